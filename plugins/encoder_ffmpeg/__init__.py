"""Encoding with ffmpeg (ffmpeg-python): probe, ladder, one-decode encode, HLS, MP4, audio, images."""

NAME = "encoder_ffmpeg"
AMPHI_HOOKS = ">=1.0,<2"
