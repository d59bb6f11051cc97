"""The ``docker`` backend: each job in a hardened container, through the Docker SDK."""

from rewardsmith.sandbox.docker.client import DockerUnavailableError, docker_client, docker_unavailable_reason
from rewardsmith.sandbox.docker.containers import discard
from rewardsmith.sandbox.docker.grants import JOB_UID
from rewardsmith.sandbox.docker.image import ImageBuildError, ensure_image, image_spec, prune_images
from rewardsmith.sandbox.docker.oneshot import run_to_end
from rewardsmith.sandbox.docker.options import container_options, task_mounts
from rewardsmith.sandbox.docker.ownership import OWNER_LABEL, remove_orphans
from rewardsmith.sandbox.docker.sandbox import BACKEND, IMAGE_VARIABLE, DockerSandbox

__all__ = [
    "BACKEND",
    "IMAGE_VARIABLE",
    "JOB_UID",
    "OWNER_LABEL",
    "DockerSandbox",
    "DockerUnavailableError",
    "ImageBuildError",
    "container_options",
    "discard",
    "docker_client",
    "docker_unavailable_reason",
    "ensure_image",
    "image_spec",
    "prune_images",
    "remove_orphans",
    "run_to_end",
    "task_mounts",
]
