export const BUDGET_KB: number;
export function initialAssets(html: string): string[];
export interface Chunk {
  url: string;
  raw: number;
  gzip: number;
  initial: boolean;
}
export function chunks(dist: string, initialUrls?: Set<string>): Chunk[];
export function measure(dist: string): {
  files: { url: string; raw: number; gzip: number }[];
  raw: number;
  gzip: number;
  budget: number;
  chunks: Chunk[];
};
