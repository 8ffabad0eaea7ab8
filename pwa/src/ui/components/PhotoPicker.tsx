import { useState } from "preact/hooks";
import { t } from "../../i18n";
import { addPhotos } from "../../photos/process";
import { runtime } from "../../runtime";
import { PhotoThumb } from "./PhotoThumb";

interface Props {
  label: string;
  value: string[];
  onChange: (shas: string[]) => void;
  onBusy?: (busy: boolean) => void;
  testid: string;
  multiple?: boolean;
}

/**
 * Camera capture: several photos, each downscaled, hashed and stored in
 * IndexedDB before it appears here, so it survives a crash right after.
 */
export function PhotoPicker({ label, value, onChange, onBusy, testid, multiple = true }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const onFiles = async (input: HTMLInputElement) => {
    const files = Array.from(input.files ?? []);
    input.value = "";
    if (!files.length) return;
    setBusy(true);
    onBusy?.(true);
    setError(undefined);
    try {
      const shas = await addPhotos(runtime().db, files);
      onChange([...value, ...shas.filter((s) => !value.includes(s))]);
    } catch (e) {
      setError(String((e as Error)?.message ?? e));
    } finally {
      setBusy(false);
      onBusy?.(false);
    }
  };

  return (
    <fieldset class="field photos">
      <legend>{label}</legend>
      <div class="thumbs">
        {value.map((sha, i) => (
          <PhotoThumb
            key={sha}
            sha={sha}
            alt={`${label} ${i + 1}`}
            removeLabel={t("common.remove_photo")}
            onRemove={() => onChange(value.filter((s) => s !== sha))}
          />
        ))}
        <label class="add-photo">
          <input
            type="file"
            accept="image/*"
            capture="environment"
            multiple={multiple}
            data-testid={testid}
            aria-label={`${label}: ${t("report.add_photos")}`}
            onChange={(e) => void onFiles(e.currentTarget)}
          />
          <span aria-hidden="true">📷</span>
          <span class="add-photo-text">{busy ? t("report.processing") : t("report.add_photos")}</span>
        </label>
      </div>
      {error ? <p class="error" role="alert">{error}</p> : null}
    </fieldset>
  );
}
