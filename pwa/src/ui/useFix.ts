import { useEffect, useState } from "preact/hooks";
import { currentFix, type Fix } from "../geo/position";

/** Asks for a GPS fix when the screen opens; `locate()` asks again. */
export function useFix(): { fix?: Fix; locating: boolean; error?: string; locate: () => void } {
  const [fix, setFix] = useState<Fix>();
  const [locating, setLocating] = useState(false);
  const [error, setError] = useState<string>();
  const locate = () => {
    setLocating(true);
    setError(undefined);
    currentFix()
      .then(setFix)
      .catch((e: Error) => setError(e.message))
      .finally(() => setLocating(false));
  };
  useEffect(locate, []);
  return { fix, locating, error, locate };
}
