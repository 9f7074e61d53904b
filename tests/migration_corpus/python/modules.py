# Analyzer corpus: nn.Module subclasses, found through every import spelling.
# expect modules: MLP@10 Block@19 Encoder@24 Wrapper@28
# expect autograd_functions:
# expect imports: torch
import torch
import torch.nn as nn
from torch.nn import Linear


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        return torch.relu(self.fc(x))


class Block(Linear):          # a torch.nn layer class is an nn.Module too
    def forward(self, x):
        return super().forward(x) * 2


class Encoder(MLP):           # derives from a project module (resolved across the project)
    pass


class Wrapper(torch.nn.Sequential):
    pass


class Config:                 # not a module
    hidden = 64
