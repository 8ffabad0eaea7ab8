export const BUDGET_KB: number;
export function initialAssets(html: string): string[];
export function measure(dist: string): {
  files: { url: string; raw: number; gzip: number }[];
  raw: number;
  gzip: number;
  budget: number;
};
