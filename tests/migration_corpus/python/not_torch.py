# Analyzer corpus: names that look like PyTorch but are not imported from it.
# expect modules:
# expect autograd_functions:
# expect distributed:
# expect mixed_precision:
# expect imports: mylib
import mylib as nn


class Fake(nn.Module):        # `nn` is mylib here
    pass


def train(dist, autocast):
    dist.init_process_group("nccl")   # a parameter called dist is not torch.distributed
    with autocast():
        pass
