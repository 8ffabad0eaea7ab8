/** GPS position and distances to checkpoints. */

export interface Fix {
  lat: number;
  lon: number;
  accuracy_m: number;
  at: number;
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The nearest of `points` to `from`, with its distance; undefined when there are none. */
export function nearest<T extends { lat: number; lon: number }>(from: { lat: number; lon: number }, points: readonly T[]): { point: T; distance: number } | undefined {
  let best: { point: T; distance: number } | undefined;
  for (const p of points) {
    if (typeof p.lat !== "number" || typeof p.lon !== "number") continue;
    const distance = distanceM(from, p);
    if (!best || distance < best.distance) best = { point: p, distance };
  }
  return best;
}

/** One GPS fix (high accuracy, short cache) or a rejection with the browser's reason. */
export function currentFix(timeoutMs = 20_000): Promise<Fix> {
  return new Promise((resolve, reject) => {
    if (!("geolocation" in navigator)) {
      reject(new Error("geolocation unavailable"));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) =>
        resolve({
          lat: p.coords.latitude,
          lon: p.coords.longitude,
          accuracy_m: Math.round(p.coords.accuracy),
          at: p.timestamp,
        }),
      (e) => reject(new Error(e.message || `error ${e.code}`)),
      { enableHighAccuracy: true, maximumAge: 30_000, timeout: timeoutMs },
    );
  });
}
