"""Photo ingest: renditions, orientation, EXIF, perceptual hash and bad uploads."""

from __future__ import annotations

import io
import pickle
import random
import warnings

import imagehash
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, ImageDraw, ImageFile, ImageOps

from server.services.photo_pipeline import (
    PhotoError,
    ProcessedPhoto,
    decode_photo,
    ingest,
)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def hamming(hex_a: str, hex_b: str) -> int:
    return imagehash.hex_to_hash(hex_a) - imagehash.hex_to_hash(hex_b)


@pytest.fixture(scope="module")
def phone_result(phone_jpeg) -> ProcessedPhoto:
    return ingest(phone_jpeg)


# --- renditions and orientation ---------------------------------------------


def test_orientation_6_turns_a_landscape_file_into_a_portrait_photo(phone_result):
    assert (phone_result.width, phone_result.height) == (3000, 4000)
    assert opened(phone_result.display).size == (1200, 1600)
    assert opened(phone_result.thumb).size == (240, 320)


def test_orientation_6_moves_the_stored_top_left_corner_to_the_top_right(
    phone_result, pictures
):
    display = opened(phone_result.display).convert("RGB")
    red, green, blue = display.getpixel((display.width - 20, 20))
    assert red > 180 and green < 80 and blue < 80
    assert display.getpixel((20, 20)) != pytest.approx(pictures.MARKER, abs=60)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_applied_like_exif_transpose(orientation, pictures):
    image = Image.new("RGB", (60, 40))
    draw = ImageDraw.Draw(image)
    for box, colour in [((0, 0, 29, 19), (255, 0, 0)), ((30, 0, 59, 19), (0, 255, 0)),
                        ((0, 20, 29, 39), (0, 0, 255)), ((30, 20, 59, 39), (255, 255, 0))]:
        draw.rectangle(box, fill=colour)
    data = pictures.encode(image, "PNG", exif=pictures.phone_exif(orientation=orientation))
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")

    decoded = decode_photo(data)

    assert decoded.image.tobytes() == expected.tobytes()
    assert (decoded.width, decoded.height) == expected.size


def test_renditions_are_rgb_jpeg(phone_result):
    display, thumb = opened(phone_result.display), opened(phone_result.thumb)
    assert display.format == thumb.format == "JPEG"
    assert display.mode == thumb.mode == "RGB"


def test_renditions_carry_no_exif_and_no_location(phone_result):
    for data in (phone_result.display, phone_result.thumb):
        assert len(opened(data).getexif()) == 0
        assert b"Exif" not in data
        assert b"GPS" not in data
        assert b"Xiaomi" not in data
        assert b"http://ns.adobe.com/xap" not in data


def test_a_small_photo_is_not_upscaled(png_bytes):
    result = ingest(png_bytes)
    assert (result.width, result.height, result.format) == (800, 600, "PNG")
    assert opened(result.display).size == (800, 600)
    assert opened(result.thumb).size == (320, 240)


def test_rendition_edges_follow_the_arguments(webp_bytes):
    result = ingest(webp_bytes, display_edge=1000, thumb_edge=100)
    assert result.format == "WEBP"
    assert opened(result.display).size == (1000, 700)
    assert opened(result.thumb).size == (100, 70)


def test_transparent_pixels_become_white(png_bytes):
    display = opened(ingest(png_bytes).display)
    assert display.getpixel((700, 300)) == pytest.approx((255, 255, 255), abs=3)


def test_a_transparent_palette_colour_becomes_white(pictures):
    image = Image.new("P", (40, 40), 0)
    image.putpalette([0, 0, 0, 200, 30, 30])
    ImageDraw.Draw(image).rectangle((0, 0, 19, 39), fill=1)
    data = pictures.encode(image, "PNG", transparency=0)
    decoded = decode_photo(data)
    assert decoded.image.getpixel((30, 20)) == (255, 255, 255)
    assert decoded.image.getpixel((5, 20)) == (200, 30, 30)


def test_sixteen_bit_greyscale_is_scaled_not_clipped(pictures):
    data = pictures.encode(Image.new("I;16", (64, 64), 32768), "PNG")
    assert decode_photo(data).image.getpixel((10, 10)) == (128, 128, 128)


@pytest.mark.parametrize("mode", ["P", "LA", "L", "1", "CMYK", "RGBA"])
def test_other_colour_modes_become_rgb(mode, pictures):
    image = pictures.photographic(120, 80, seed=5).convert(mode)
    format_name = "JPEG" if mode in ("L", "CMYK") else "PNG"
    decoded = decode_photo(pictures.encode(image, format_name))
    assert decoded.image.mode == "RGB"
    assert decoded.image.size == (120, 80)


def test_an_rgb_colour_profile_is_kept_in_the_renditions(pictures):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = pictures.photographic(200, 100, seed=6)
    data = pictures.encode(photo, "JPEG", icc_profile=profile)
    result = ingest(data)
    assert opened(result.display).info.get("icc_profile") == profile


def test_a_multi_picture_jpeg_is_accepted_as_jpeg(pictures):
    first = pictures.photographic(300, 200, seed=7)
    second = pictures.photographic(300, 200, seed=8)
    data = pictures.encode(first, "MPO", save_all=True, append_images=[second])
    result = ingest(data)
    assert result.format == "JPEG"
    assert (result.width, result.height) == (300, 200)


# --- EXIF metadata -------------------------------------------------------------


def test_gps_and_time_are_read_from_exif(phone_result):
    assert phone_result.taken_at == "2024-05-17T09:30:12+08:00"
    assert phone_result.gps == pytest.approx(
        {"lat": 31 + 13 / 60 + 48.6 / 3600, "lon": 121 + 28 / 60 + 12 / 3600}, abs=1e-6
    )


def test_southern_and_western_positions_are_negative(pictures):
    exif = pictures.phone_exif(orientation=1, lat_ref="S", lon_ref="W", offset=None)
    photo = pictures.photographic(100, 80, seed=9)
    result = ingest(pictures.encode(photo, "JPEG", exif=exif))
    assert result.gps["lat"] < 0 and result.gps["lon"] < 0
    assert result.taken_at == "2024-05-17T09:30:12"


def test_a_photo_without_exif_has_no_time_or_place(png_bytes):
    result = ingest(png_bytes)
    assert result.taken_at is None and result.gps is None


@pytest.mark.parametrize(
    ("exif_options", "lost"),
    [
        ({"lat": (95.0, 0.0, 0.0)}, "gps"),
        ({"lat": (0.0, 0.0, 0.0), "lon": (0.0, 0.0, 0.0)}, "gps"),
        ({"lat_ref": "X"}, "gps"),
        ({"lon": None}, "gps"),
        ({"taken_at": "0000:00:00 00:00:00"}, "taken_at"),
        ({"taken_at": "yesterday"}, "taken_at"),
    ],
    ids=["latitude-out-of-range", "no-fix-zeros", "bad-ref", "no-longitude",
         "zero-date", "free-text-date"],
)
def test_implausible_exif_is_ignored_not_fatal(exif_options, lost, pictures):
    exif = pictures.phone_exif(**exif_options)
    photo = pictures.photographic(100, 80, seed=10)
    result = ingest(pictures.encode(photo, "JPEG", exif=exif))
    assert result.width == 80  # orientation 6 still applied
    assert getattr(result, lost) is None
    kept = "taken_at" if lost == "gps" else "gps"
    assert getattr(result, kept) is not None


# --- perceptual hash -------------------------------------------------------------


def test_phash_is_sixteen_hex_digits(phone_result):
    assert len(phone_result.phash) == 16
    int(phone_result.phash, 16)


def test_phash_is_stable_for_a_phone_downscaled_copy(phone_photo, phone_result, pictures):
    # What the PWA uploads: the upright picture, 1600 px, re-encoded, no EXIF.
    upright = phone_photo.transpose(Image.Transpose.ROTATE_270)
    copy = pictures.encode(upright.resize((1200, 1600), Image.Resampling.BILINEAR), "JPEG",
                  quality=60)
    assert hamming(ingest(copy).phash, phone_result.phash) <= 4


def test_phash_is_far_for_a_different_scene(other_jpeg, phone_result):
    assert hamming(ingest(other_jpeg).phash, phone_result.phash) >= 16


# --- draft mode ------------------------------------------------------------------


def test_draft_mode_decodes_a_12_mp_jpeg_at_half_scale(phone_jpeg):
    drafted = decode_photo(phone_jpeg, max_edge=1600, draft=True)
    assert drafted.decoded_size == (2000, 1500)
    assert max(drafted.decoded_size) <= 2 * 1600
    assert drafted.image.size == (1200, 1600)
    assert (drafted.width, drafted.height) == (3000, 4000)


def test_without_draft_mode_the_whole_jpeg_is_decoded(phone_jpeg):
    full = decode_photo(phone_jpeg, max_edge=1600, draft=False)
    assert full.decoded_size == (4000, 3000)
    assert full.image.size == (1200, 1600)


def test_draft_and_full_decoding_give_the_same_picture(phone_jpeg, phone_result):
    full = ingest(phone_jpeg, draft=False)
    assert hamming(full.phash, phone_result.phash) <= 2
    assert opened(full.display).size == opened(phone_result.display).size


# --- bad uploads -----------------------------------------------------------------


def expect_photo_error(data: bytes, code: str, **options) -> PhotoError:
    with pytest.raises(PhotoError) as caught:
        ingest(data, **options)
    assert caught.value.code == code
    assert caught.value.message.endswith(".")
    return caught.value


def test_zero_bytes_are_rejected_as_empty():
    expect_photo_error(b"", "empty")


def test_a_photo_error_survives_pickling_for_process_pools():
    error = pickle.loads(pickle.dumps(PhotoError("truncated", "Cut off.")))
    assert (error.code, error.message, str(error)) == ("truncated", "Cut off.", "Cut off.")


@pytest.mark.parametrize("draft", [True, False])
def test_a_truncated_jpeg_is_rejected(phone_jpeg, draft):
    expect_photo_error(phone_jpeg[: len(phone_jpeg) * 6 // 10], "truncated", draft=draft)


def test_a_jpeg_missing_only_its_end_marker_is_rejected(small_jpeg):
    expect_photo_error(small_jpeg[:-2], "truncated")


def test_a_truncated_png_is_rejected(png_bytes):
    expect_photo_error(png_bytes[: len(png_bytes) // 2], "truncated")


def test_a_truncated_webp_is_rejected(webp_bytes):
    expect_photo_error(webp_bytes[: len(webp_bytes) // 2], "truncated")


def test_a_png_with_a_damaged_chunk_is_rejected(png_bytes):
    damaged = bytearray(png_bytes)
    damaged[len(damaged) // 2] ^= 0xFF
    expect_photo_error(bytes(damaged), "corrupt")


def test_truncated_images_stay_errors_in_pillow():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_ingest_refuses_to_run_if_pillow_accepts_truncated_images(monkeypatch, small_jpeg):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError):
        ingest(small_jpeg)


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><head><title>photo.jpg</title></head><body></body></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="4000" '
        b'height="3000"><script>alert(1)</script></svg>',
        "井盖破损，已拍照。".encode(),
        random.Random(7).randbytes(4096),
    ],
    ids=["html", "svg", "text", "random-bytes"],
)
def test_things_posing_as_jpeg_are_not_images(data):
    expect_photo_error(data, "not_an_image")


def test_a_jpeg_header_in_front_of_html_is_rejected():
    with pytest.raises(PhotoError) as caught:
        ingest(b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>" * 20)
    assert caught.value.code in {"truncated", "corrupt", "not_an_image"}


@pytest.mark.parametrize("format_name", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_unsupported(format_name, pictures):
    data = pictures.encode(pictures.photographic(64, 48, seed=11), format_name)
    error = expect_photo_error(data, "unsupported_format")
    assert format_name in error.message


def test_heic_is_unsupported():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    error = expect_photo_error(heic, "unsupported_format")
    assert "HEIC" in error.message


def test_a_png_declaring_billions_of_pixels_is_rejected(pictures):
    expect_photo_error(pictures.png_with_declared_size(100_000, 100_000), "too_many_pixels")


def test_too_many_pixels_are_rejected_before_decoding(pictures):
    # 48 MP declared over 64 bytes of pixel data: decoding would fail as
    # truncated, so this code proves the size was checked first.
    expect_photo_error(pictures.png_with_declared_size(8000, 6000), "too_many_pixels")


def test_a_real_photo_over_the_pixel_limit_is_rejected(webp_bytes):
    expect_photo_error(webp_bytes, "too_many_pixels", max_pixels=2_000_000)
    assert ingest(webp_bytes, max_pixels=2_800_000).width == 2000


def test_a_highly_compressible_bomb_is_rejected(pictures):
    bomb = pictures.encode(Image.new("1", (8_000, 6_000)), "PNG", optimize=True)
    assert len(bomb) < 20_000
    expect_photo_error(bomb, "too_many_pixels")


def test_pillows_own_bomb_error_is_a_photo_error(monkeypatch, small_jpeg):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 96 * 64 // 3)
    expect_photo_error(small_jpeg, "too_many_pixels")


def test_pillows_bomb_warning_raised_as_an_error_is_a_photo_error(monkeypatch, small_jpeg):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 96 * 64 - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        expect_photo_error(small_jpeg, "too_many_pixels")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_photos_raise_photo_error_or_ingest_cleanly(small_jpeg, png_bytes, data):
    original = data.draw(st.sampled_from([small_jpeg, png_bytes[:4000]]), label="file")
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8), label="flips")):
        position = data.draw(st.integers(0, len(damaged) - 1))
        damaged[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(damaged)), label="length")
    try:
        result = ingest(bytes(damaged[:cut]))
    except PhotoError as error:
        assert error.code in {"truncated", "corrupt", "not_an_image",
                              "unsupported_format", "too_many_pixels"}
    else:
        assert opened(result.display).format == "JPEG"
