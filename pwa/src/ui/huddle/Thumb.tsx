import { useEffect, useRef } from "preact/hooks";
import { loadThumb, loadedThumb, onThumb } from "./thumbs";

/**
 * A small photo preview; shows as soon as the board's background loading (thumbs.ts) has it.
 * The picture is put into the page directly, not by redrawing: two hundred of them arriving
 * one batch after another would otherwise keep the tablet busy.
 */
export function Thumb({ sha, alt, size = 56, eager = false }: { sha?: string; alt: string; size?: number; eager?: boolean }) {
  const img = useRef<HTMLImageElement>(null);
  const ready = sha ? loadedThumb(sha) : undefined;
  useEffect(() => {
    if (!sha || ready) return;
    const show = (url: string) => {
      if (!img.current) return;
      img.current.src = url;
      img.current.hidden = false;
    };
    const stop = onThumb(sha, show);
    // A thumbnail shown on its own (the ticket form) need not wait for the board's queue.
    if (eager) void loadThumb(sha);
    return stop;
  }, [sha, eager, ready]);
  return (
    <span class="hb-thumb" style={{ width: `${size}px`, height: `${size}px` }} data-testid="board-thumb" data-sha={sha ?? ""}>
      <img ref={img} src={ready} hidden={!ready} alt={alt} width={size} height={size} decoding="async" />
      <span class="hb-thumb-empty" aria-hidden="true">
        {sha ? "🖼️" : "—"}
      </span>
    </span>
  );
}
