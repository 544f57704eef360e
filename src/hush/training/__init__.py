"""Training engine: typed YAML configs, the trainer, tasks (overridable training steps) and DDP."""

from hush.training.config import Config, ConfigError, load_config
from hush.training.task import Task

__all__ = ["Config", "ConfigError", "Task", "load_config"]
