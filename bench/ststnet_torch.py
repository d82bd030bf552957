"""STSTNet in PyTorch, as in the authors' main.py (christy1206/STSTNet), for
merkit's reference scripts (bench/train_speed_torch.py,
bench/train_fidelity_torch.py, test/nets/ststnet_steps_torch.py): three
parallel 3x3 convs (3/5/8 filters, padding 2) -> ReLU -> BatchNorm ->
max-pool 3/3 pad 1 -> dropout 0.5, concat, avg-pool 2, linear 400 -> 3.
Written from a reading of main.py; the module names (conv1, bn1, ..., fc)
are the authors', so state dicts load in either direction.
"""
import torch
import torch.nn as nn


class STSTNet(nn.Module):
    def __init__(self, in_channels=3, out_channels=3, dropout=0.5):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 3, kernel_size=3, padding=2)
        self.conv2 = nn.Conv2d(in_channels, 5, kernel_size=3, padding=2)
        self.conv3 = nn.Conv2d(in_channels, 8, kernel_size=3, padding=2)
        self.relu = nn.ReLU()
        self.bn1 = nn.BatchNorm2d(3)
        self.bn2 = nn.BatchNorm2d(5)
        self.bn3 = nn.BatchNorm2d(8)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=3, padding=1)
        self.avgpool = nn.AvgPool2d(kernel_size=2, stride=2, padding=0)
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(in_features=5 * 5 * 16, out_features=out_channels)

    def forward(self, x):
        x1 = self.dropout(self.maxpool(self.bn1(self.relu(self.conv1(x)))))
        x2 = self.dropout(self.maxpool(self.bn2(self.relu(self.conv2(x)))))
        x3 = self.dropout(self.maxpool(self.bn3(self.relu(self.conv3(x)))))
        x = self.avgpool(torch.cat((x1, x2, x3), 1))
        return self.fc(x.view(x.size(0), -1))


def glorot_(model):
    """Keras/tfjs defaults instead of PyTorch's: Glorot-uniform kernels
    (fans over the receptive field), zero biases (an ablation)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
