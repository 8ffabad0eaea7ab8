"""Real images built with Pillow: a phone photo with EXIF, a PNG, a WebP, bad files."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageDraw, ImageFilter

MARKER = (230, 20, 20)
TAKEN_AT = "2024:05:17 09:30:12"


def photographic(width: int, height: int, seed: int) -> Image.Image:
    """A picture with photo-like structure: gradient, overlapping shapes, noise."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    scale = max(width, height) / 1000
    for _ in range(25):
        x, y = rng.randrange(width), rng.randrange(height)
        r = int(rng.randrange(40, 250) * scale) + 1
        draw.ellipse((x - r, y - r, x + r, y + r),
                     fill=tuple(rng.randrange(40, 200) for _ in range(3)))
    image = image.filter(ImageFilter.GaussianBlur(2 * scale))
    noise = Image.effect_noise((width, height), 20).convert("RGB")
    return Image.blend(image, noise, 0.08)


def phone_exif(
    orientation: int = 6,
    lat=(31.0, 13.0, 48.6), lat_ref="N",
    lon=(121.0, 28.0, 12.0), lon_ref="E",
    taken_at: str | None = TAKEN_AT, offset: str | None = "+08:00",
) -> Image.Exif:
    """EXIF as a phone writes it."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Xiaomi"
    exif[ExifTags.Base.Model] = "Redmi Note 12"
    exif[ExifTags.Base.Orientation] = orientation
    details = exif.get_ifd(ExifTags.IFD.Exif)
    if taken_at:
        details[ExifTags.Base.DateTimeOriginal] = taken_at
    if offset:
        details[ExifTags.Base.OffsetTimeOriginal] = offset
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if lat is not None:
        gps[ExifTags.GPS.GPSLatitudeRef] = lat_ref
        gps[ExifTags.GPS.GPSLatitude] = lat
    if lon is not None:
        gps[ExifTags.GPS.GPSLongitudeRef] = lon_ref
        gps[ExifTags.GPS.GPSLongitude] = lon
    return exif


def encode(image: Image.Image, format_name: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format_name, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload)))


def png_with_declared_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + png_chunk(b"IEND", b""))


class Pictures:
    """The builders above, for tests (conftest modules are not imported)."""

    MARKER = MARKER
    photographic = staticmethod(photographic)
    phone_exif = staticmethod(phone_exif)
    encode = staticmethod(encode)
    png_with_declared_size = staticmethod(png_with_declared_size)


@pytest.fixture(scope="session")
def pictures() -> type[Pictures]:
    """Image builders: ``pictures.encode(pictures.photographic(w, h, seed), "PNG")``."""
    return Pictures


@pytest.fixture(scope="session")
def phone_photo() -> Image.Image:
    """The stored (sideways) pixels of a 12 MP photo, red marker top-left."""
    image = photographic(4000, 3000, seed=1)
    ImageDraw.Draw(image).rectangle((0, 0, 400, 400), fill=MARKER)
    return image


@pytest.fixture(scope="session")
def phone_jpeg(phone_photo) -> bytes:
    """4000 x 3000 JPEG, EXIF orientation 6 (held sideways), GPS and time."""
    return encode(phone_photo, "JPEG", quality=90, exif=phone_exif())


@pytest.fixture(scope="session")
def other_jpeg() -> bytes:
    """A different scene, for perceptual-hash distance."""
    return encode(photographic(1600, 1200, seed=99), "JPEG", quality=85)


@pytest.fixture(scope="session")
def png_bytes() -> bytes:
    """An 800 x 600 RGBA PNG whose right half is fully transparent."""
    image = photographic(800, 600, seed=2).convert("RGBA")
    ImageDraw.Draw(image).rectangle((400, 0, 799, 599), fill=(0, 0, 0, 0))
    return encode(image, "PNG")


@pytest.fixture(scope="session")
def webp_bytes() -> bytes:
    """A 2000 x 1400 lossy WebP."""
    return encode(photographic(2000, 1400, seed=3), "WEBP", quality=80)


@pytest.fixture(scope="session")
def small_jpeg() -> bytes:
    """A 96 x 64 JPEG, for fuzzing."""
    return encode(photographic(96, 64, seed=4), "JPEG", quality=80)
