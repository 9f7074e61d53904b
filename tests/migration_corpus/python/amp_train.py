# Analyzer corpus: mixed precision (autocast in its spellings, GradScaler) and timing code.
# expect modules:
# expect mixed_precision: GradScaler@15 autocast@17 autocast@23 autocast@29
# expect timing: torch.cuda.Event@16 torch.utils.benchmark@33
# expect imports: torch
import torch
import torch.utils.benchmark as benchmark
from torch.cuda.amp import autocast

model = torch.nn.Linear(8, 8)
opt = torch.optim.SGD(model.parameters(), lr=0.1)


def step(x):
    scaler = torch.cuda.amp.GradScaler()
    start = torch.cuda.Event(enable_timing=True)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = model(x).sum()
    scaler.scale(loss).backward()
    return start


@autocast()
def forward(x):
    return model(x)


def forward_amp(x):
    with torch.amp.autocast("cuda"):
        return model(x)

def time_it(x):
    return benchmark.Timer(stmt="forward(x)", globals={"forward": forward, "x": x}).blocked_autorange()
