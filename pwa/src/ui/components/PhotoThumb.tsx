import { useEffect } from "preact/hooks";
import { getPhoto } from "../../db/queries";
import { runtime } from "../../runtime";
import { loadRemoteThumb } from "../../photos/remote";
import { useLiveQuery, useObjectUrl } from "../hooks";

/** A photo preview from IndexedDB; photos from other phones are fetched once and kept. */
export function PhotoThumb({ sha, alt, onRemove, removeLabel }: { sha: string; alt: string; onRemove?: () => void; removeLabel?: string }) {
  // null once known to be missing (undefined is "not read yet"): a photo from another phone is then fetched.
  const row = useLiveQuery(async () => (await getPhoto(runtime().db, sha)) ?? null, [sha]);
  const url = useObjectUrl(row?.thumb ?? row?.blob);
  useEffect(() => {
    if (row === undefined) return;
    if (!row?.thumb && !row?.blob && navigator.onLine) void loadRemoteThumb(runtime().db, runtime().api, sha);
  }, [row, sha]);
  return (
    <figure class="thumb" data-testid="photo-thumb" data-sha={sha}>
      {url ? <img src={url} alt={alt} loading="lazy" /> : <span class="thumb-empty" aria-label={alt}>🖼️</span>}
      {onRemove ? (
        <button type="button" class="thumb-remove" aria-label={removeLabel} onClick={onRemove}>
          ×
        </button>
      ) : null}
    </figure>
  );
}
