import { useEffect, useRef, useState } from "preact/hooks";
import { thumbUrl } from "./thumbs";

let observer: IntersectionObserver | null = null;
const waiting = new Map<Element, () => void>();

function watch(el: Element, onVisible: () => void): () => void {
  if (typeof IntersectionObserver === "undefined") {
    onVisible();
    return () => {};
  }
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        waiting.get(e.target)?.();
        waiting.delete(e.target);
        observer?.unobserve(e.target);
      }
    },
    { rootMargin: "200px" },
  );
  waiting.set(el, onVisible);
  observer.observe(el);
  return () => {
    waiting.delete(el);
    observer?.unobserve(el);
  };
}

/** A small photo preview that loads when it comes near the screen. */
export function Thumb({ sha, alt, size = 56 }: { sha?: string; alt: string; size?: number }) {
  const ref = useRef<HTMLSpanElement>(null);
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!sha || !ref.current) return;
    let alive = true;
    const stop = watch(ref.current, () => void thumbUrl(sha).then((u) => alive && setUrl(u)));
    return () => {
      alive = false;
      stop();
    };
  }, [sha]);
  return (
    <span ref={ref} class="hb-thumb" style={{ width: `${size}px`, height: `${size}px` }} data-testid="board-thumb" data-sha={sha ?? ""}>
      {url ? <img src={url} alt={alt} width={size} height={size} decoding="async" /> : <span aria-label={alt}>{sha ? "🖼️" : "—"}</span>}
    </span>
  );
}
