"""Photo ingest: verify an uploaded photo and make what Gridwalk serves from it.

The phone uploads bytes it claims are a photo. Nothing about them is trusted:
the format is sniffed by Pillow (never taken from a content type), the pixel
count is checked against a limit before anything is decoded, a truncated file
is an error rather than a half-grey picture, and only JPEG, PNG and WebP are
accepted. From a good photo we keep the time and place it was taken (from
EXIF, for the database), then serve only re-encoded JPEG renditions with the
orientation applied and no EXIF at all, so no location leaks with a picture.

Large JPEGs are decoded with libjpeg's DCT scaling (Pillow's draft mode): a
12 MP photo needed at 1600 px is decoded at 1/2 scale, four times fewer
pixels, which is most of the cost of ingest.
"""

from __future__ import annotations

import io
import math
import re
import struct
from dataclasses import dataclass, field
from datetime import datetime

import imagehash
from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError

__all__ = ["DecodedPhoto", "PhotoError", "ProcessedPhoto", "decode_photo", "ingest"]

JPEG_QUALITY = 82

# The filter for the step down to the display size. After draft decoding it is
# at most a factor of two, where Hamming (support 1) looks close to Lanczos
# (support 3) at about 40 % of the cost: on a 12 MP photo it moves ingest from
# ~8 to ~10 photos/s per core (see docs/BENCHMARKS.md). Thumbnails, computed
# from the display rendition, are cheap and keep Lanczos.
_DISPLAY_RESAMPLE = Image.Resampling.HAMMING

# Pillow format name -> the format we report. Phones that store depth or
# portrait data write MPO, a JPEG with more pictures appended; its first
# picture is an ordinary JPEG.
_ACCEPTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
_OPENERS = ["JPEG", "PNG", "WEBP"]

# Magic numbers of image formats people might upload, so the answer can say
# "GIF is not accepted" instead of "this is not an image".
_OTHER_IMAGE_SIGNATURES = [
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
]
_ISO_MEDIA_BRANDS = {
    b"heic": "HEIC", b"heix": "HEIC", b"hevc": "HEIC", b"heim": "HEIC",
    b"heis": "HEIC", b"mif1": "HEIF", b"msf1": "HEIF", b"avif": "AVIF",
    b"avis": "AVIF",
}

# Errors Pillow raises for data it cannot parse or decode.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)

# EXIF orientation -> how to turn the stored pixels upright.
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_TRANSPOSING_ORIENTATIONS = {5, 6, 7, 8}
_UTC_OFFSET = re.compile(r"[+-](0\d|1[0-4]):[0-5]\d")


class PhotoError(Exception):
    """The upload is not a photo Gridwalk accepts.

    ``code`` is stable and machine-readable (``empty``, ``not_an_image``,
    ``unsupported_format``, ``too_many_pixels``, ``truncated``, ``corrupt``);
    ``message`` is a sentence for the person who uploaded it.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"PhotoError({self.code!r}, {self.message!r})"

    def __reduce__(self):
        # Lets the error cross a process pool boundary intact.
        return (PhotoError, (self.code, self.message))


@dataclass(frozen=True)
class ProcessedPhoto:
    """What ingest keeps of a photo.

    ``width``/``height`` are the full-resolution size after orientation;
    ``format`` is the uploaded format (``JPEG``, ``PNG``, ``WEBP``);
    ``display`` and ``thumb`` are EXIF-free JPEG renditions; ``phash`` is the
    64-bit perceptual hash as 16 hex digits; ``taken_at`` is the EXIF
    DateTimeOriginal in ISO 8601 (with the UTC offset when the camera wrote
    one); ``gps`` is ``{"lat", "lon"}`` in decimal degrees.
    """

    width: int
    height: int
    format: str
    display: bytes = field(repr=False)
    thumb: bytes = field(repr=False)
    phash: str
    taken_at: str | None
    gps: dict | None


@dataclass(frozen=True)
class DecodedPhoto:
    """A verified photo decoded to RGB and turned upright, plus its metadata.

    ``width`` x ``height`` is the full-resolution upright size; ``image`` may
    be smaller (``max_edge``). ``decoded_size`` is what the decoder produced,
    in stored orientation, before any resampling: smaller than the full size
    when draft mode let libjpeg scale the JPEG down.
    """

    image: Image.Image = field(repr=False)
    format: str
    width: int
    height: int
    decoded_size: tuple[int, int]
    taken_at: str | None
    gps: dict | None
    icc_profile: bytes | None = field(repr=False)


def ingest(
    data: bytes,
    *,
    max_pixels: int = 40_000_000,
    display_edge: int = 1600,
    thumb_edge: int = 320,
    draft: bool = True,
) -> ProcessedPhoto:
    """Verify an uploaded photo and make its renditions, hash and metadata.

    Raise :class:`PhotoError` for anything that is not a sound JPEG, PNG or
    WebP of at most ``max_pixels`` pixels. Renditions are never upscaled.
    """
    decoded = decode_photo(
        data, max_pixels=max_pixels, max_edge=display_edge, draft=draft
    )
    display = decoded.image
    # The thumbnail comes from the display rendition: a fifth of the work of
    # resampling the decoded image again, and indistinguishable at 320 px.
    thumb = fit_within(display, thumb_edge)
    return ProcessedPhoto(
        width=decoded.width,
        height=decoded.height,
        format=decoded.format,
        # Baseline, not progressive: progressive scans cost a second encoding
        # pass (a third of the ingest time of a 12 MP photo) for a rendition
        # the huddle tablet reads over wifi.
        display=encode_jpeg(display, decoded.icc_profile, progressive=False),
        thumb=encode_jpeg(thumb, decoded.icc_profile, progressive=False),
        phash=str(imagehash.phash(thumb)),
        taken_at=decoded.taken_at,
        gps=decoded.gps,
    )


def decode_photo(
    data: bytes,
    *,
    max_pixels: int = 40_000_000,
    max_edge: int | None = None,
    draft: bool = True,
) -> DecodedPhoto:
    """Sniff, verify and decode ``data`` into an upright RGB image.

    With ``max_edge`` the image is scaled down so its long edge is at most
    that; with ``draft`` too, a JPEG is first decoded at the smallest DCT
    scale (1/2, 1/4, 1/8) whose long edge still reaches ``max_edge``.
    """
    _require_strict_pillow()
    if not data:
        raise PhotoError("empty", "The upload is empty: no photo was received.")
    if _is_cut_off_webp(data):
        raise _truncated()
    with _open(data) as header:
        format_name = _ACCEPTED_FORMATS[header.format]
        full_width, full_height = header.size
        if full_width * full_height > max_pixels:
            raise PhotoError(
                "too_many_pixels",
                f"The photo is {full_width} x {full_height} pixels; at most "
                f"{max_pixels:,} pixels are accepted.",
            )
        _verify(header)
    # verify() leaves the image unusable: decode from a fresh open.
    image = _open(data)
    if draft and max_edge and format_name == "JPEG":
        image.draft("RGB", _draft_size(image.size, max_edge))
    _load(image)
    decoded_size = image.size

    exif = _read_exif(image)
    orientation = _orientation(exif)
    icc_profile = image.info.get("icc_profile")
    upright = _to_rgb(image)
    if max_edge:
        upright = fit_within(upright, max_edge, _DISPLAY_RESAMPLE)
    # Turning the image upright after scaling it down moves fewer pixels; the
    # table is the one ImageOps.exif_transpose uses, applied to the EXIF we
    # read from the original (a resized copy's EXIF is not reliable).
    if orientation in _ORIENTATION_TRANSPOSE:
        upright = upright.transpose(_ORIENTATION_TRANSPOSE[orientation])
    if orientation in _TRANSPOSING_ORIENTATIONS:
        full_width, full_height = full_height, full_width
    # Whatever the source carried (EXIF, XMP, comments) must not reach a
    # rendition by way of the image's info dictionary.
    upright.info = {}
    return DecodedPhoto(
        image=upright,
        format=format_name,
        width=full_width,
        height=full_height,
        decoded_size=decoded_size,
        taken_at=_taken_at(exif),
        gps=_gps(exif),
        icc_profile=icc_profile if _is_rgb_profile(icc_profile) else None,
    )


def fit_within(
    image: Image.Image,
    edge: int,
    resample: Image.Resampling = Image.Resampling.LANCZOS,
) -> Image.Image:
    """Return ``image`` scaled down so its long edge is at most ``edge``."""
    width, height = image.size
    long_edge = max(width, height)
    if long_edge <= edge:
        return image
    scale = edge / long_edge
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # reducing_gap lets Pillow box-reduce by an integer factor first and
    # resample only the last factor of 1.5 or more: at rendition sizes it
    # looks the same as resampling all the way, and halves the time of the
    # 1600 -> 320 px thumbnail step.
    return image.resize(size, resample, reducing_gap=1.5)


def encode_jpeg(
    image: Image.Image, icc_profile: bytes | None = None, *, progressive: bool = True
) -> bytes:
    """Encode an RGB image as JPEG with no metadata but its colour profile."""
    buffer = io.BytesIO()
    options = {"quality": JPEG_QUALITY, "optimize": True, "progressive": progressive}
    if icc_profile:
        options["icc_profile"] = icc_profile
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


# --- opening and verifying ---------------------------------------------------


def _require_strict_pillow() -> None:
    # The flag is global to Pillow; if anything in the process turned it on, a
    # truncated upload would decode as a photo with a grey bottom half.
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError(
            "PIL.ImageFile.LOAD_TRUNCATED_IMAGES is on; photo ingest refuses to "
            "run because truncated uploads would be accepted"
        )


def _open(data: bytes) -> Image.Image:
    """Open the header with the accepted decoders only."""
    try:
        image = Image.open(io.BytesIO(data), formats=_OPENERS)
    except UnidentifiedImageError:
        other = _sniff_other_image_format(data)
        if other:
            raise PhotoError(
                "unsupported_format",
                f"{other} images are not accepted; upload a JPEG, PNG or WebP photo.",
            ) from None
        raise PhotoError(
            "not_an_image", "The upload is not an image (JPEG, PNG or WebP)."
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except _DECODE_ERRORS as exc:
        raise _broken(exc) from None
    if image.format not in _ACCEPTED_FORMATS:
        raise PhotoError(
            "unsupported_format",
            f"{image.format} images are not accepted; upload a JPEG, PNG or WebP photo.",
        )
    return image


def _verify(image: Image.Image) -> None:
    """Run the format's integrity check (PNG chunk CRCs) on a fresh open."""
    try:
        image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except _DECODE_ERRORS as exc:
        raise _broken(exc) from None


def _load(image: Image.Image) -> None:
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except _DECODE_ERRORS as exc:
        raise _broken(exc) from None


def _broken(exc: Exception) -> PhotoError:
    if "truncat" in str(exc).lower() or isinstance(exc, EOFError):
        return _truncated()
    return PhotoError("corrupt", "The photo file is damaged and cannot be read.")


def _truncated() -> PhotoError:
    return PhotoError(
        "truncated",
        "The photo file is incomplete; the upload was probably cut off. "
        "Please send it again.",
    )


def _is_cut_off_webp(data: bytes) -> bool:
    # libwebp only says "could not create decoder" for a short file; the RIFF
    # header's length field tells a cut-off upload from a damaged one.
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return False
    (riff_size,) = struct.unpack("<I", data[4:8])
    return riff_size + 8 > len(data)


def _too_many_pixels() -> PhotoError:
    return PhotoError(
        "too_many_pixels",
        "The photo has far too many pixels to be processed safely.",
    )


def _sniff_other_image_format(data: bytes) -> str | None:
    for signature, name in _OTHER_IMAGE_SIGNATURES:
        if data.startswith(signature):
            return name
    if data[4:8] == b"ftyp":
        return _ISO_MEDIA_BRANDS.get(data[8:12])
    return None


def _draft_size(size: tuple[int, int], max_edge: int) -> tuple[int, int]:
    """The smallest size, in stored orientation, whose long edge is max_edge.

    Pillow picks the largest DCT scale that keeps *both* dimensions at least
    this size, so asking for ``(edge, edge)`` would never scale a 4:3 photo.
    """
    width, height = size
    scale = min(1.0, max_edge / max(width, height))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


# --- pixels ------------------------------------------------------------------


def _to_rgb(image: Image.Image) -> Image.Image:
    """Convert any decoded mode to 8-bit RGB; transparency goes on white."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit greyscale PNG: scale to 8 bits instead of clipping to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


def _is_rgb_profile(profile: bytes | None) -> bool:
    # ICC header: the data colour space signature is at bytes 16..20.
    return bool(profile) and len(profile) >= 128 and profile[16:20] == b"RGB "


# --- metadata ----------------------------------------------------------------


def _read_exif(image: Image.Image) -> Image.Exif | None:
    # Metadata is a bonus: a photo with a mangled EXIF block is still a photo.
    try:
        return image.getexif()
    except Exception:  # noqa: BLE001 - any parse failure means "no EXIF"
        return None


def _orientation(exif: Image.Exif | None) -> int | None:
    if exif is None:
        return None
    value = exif.get(ExifTags.Base.Orientation)
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _taken_at(exif: Image.Exif | None) -> str | None:
    """DateTimeOriginal as ISO 8601, with OffsetTimeOriginal when present."""
    if exif is None:
        return None
    try:
        details = exif.get_ifd(ExifTags.IFD.Exif)
        raw = _text(details.get(ExifTags.Base.DateTimeOriginal))
        if not raw:
            return None
        taken = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")
        offset = _text(details.get(ExifTags.Base.OffsetTimeOriginal))
    except Exception:  # noqa: BLE001 - an unreadable date is no date
        return None
    iso = taken.isoformat()
    if offset and _UTC_OFFSET.fullmatch(offset):
        iso += offset
    return iso


def _gps(exif: Image.Exif | None) -> dict | None:
    """EXIF GPS position in decimal degrees, or None if absent or implausible."""
    if exif is None:
        return None
    try:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _degrees(info.get(ExifTags.GPS.GPSLatitude),
                       info.get(ExifTags.GPS.GPSLatitudeRef), "N", "S")
        lon = _degrees(info.get(ExifTags.GPS.GPSLongitude),
                       info.get(ExifTags.GPS.GPSLongitudeRef), "E", "W")
    except Exception:  # noqa: BLE001 - an unreadable position is no position
        return None
    if lat is None or lon is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    # Receivers without a fix write 0/0; nobody inspects a grid in the Gulf of Guinea.
    if lat == 0 and lon == 0:
        return None
    return {"lat": round(lat, 7), "lon": round(lon, 7)}


def _degrees(value, ref, positive: str, negative: str) -> float | None:
    ref = _text(ref).upper()
    if ref not in (positive, negative) or not isinstance(value, tuple):
        return None
    if not 1 <= len(value) <= 3:
        return None
    parts = [float(part) for part in value]
    if not all(math.isfinite(part) and part >= 0 for part in parts):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(parts))
    return -degrees if ref == negative else degrees


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return ""
    return value.strip("\x00 ")
