"""Adapters that an exported text reward file ends with, one per trainer; see :mod:`rewardsmith.text.export`."""
