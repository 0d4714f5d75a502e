"""A group that was empty in every recent batch and is empty again is steady (ratio 1):
a back-fill-only source must not warn on every scheduled run."""

from expectations.runner import VolumeGroup, volume_frame


def test_empty_and_still_empty_is_steady():
    frame = volume_frame([VolumeGroup("demo_djazairess", 0, [0, 0, 0]),
                          VolumeGroup("demo_aps_ar", 0, [3, 3, 3]),
                          VolumeGroup("demo_elwatan_fr", 3, [3, 3, 3])], min_history=1)
    ratios = dict(zip(frame["volume_group"], frame["volume_ratio"]))
    assert ratios == {"demo_djazairess": 1.0, "demo_aps_ar": 0.0, "demo_elwatan_fr": 1.0}
