# Analyzer corpus: distributed training (process group, DDP, FSDP) and host synchronisation.
# expect modules:
# expect distributed: torch.distributed@16 torch.distributed@17 DistributedDataParallel@18 FSDP@19 torch.distributed@24
# expect mixed_precision:
# expect sync_points: .item()@23 torch.cuda.synchronize@25
# expect imports: os torch
import os

import torch
import torch.distributed as dist
from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
from torch.nn.parallel import DistributedDataParallel as DDP


def main(model, loader, big_model):
    dist.init_process_group("nccl", rank=int(os.environ["RANK"]))
    torch.cuda.set_device(dist.get_rank())
    model = DDP(model)
    big = FSDP(big_model)
    for x, y in loader:
        loss = torch.nn.functional.mse_loss(model(x), y) + big(x).sum()
        loss.backward()
        print(loss.item())
    dist.barrier()
    torch.cuda.synchronize()
