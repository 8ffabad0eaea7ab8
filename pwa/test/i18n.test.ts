import { describe, expect, it } from "vitest";
import { en } from "../src/i18n/en";
import { zhCN } from "../src/i18n/zh-CN";
import { formatBytes, formatNumber, pickLocale, translate } from "../src/i18n";

describe("pickLocale", () => {
  it("defaults to zh-CN", () => {
    expect(pickLocale([])).toBe("zh-CN");
    expect(pickLocale(undefined)).toBe("zh-CN");
    expect(pickLocale(["fr-FR", "de"])).toBe("zh-CN");
  });
  it("chooses English when the browser prefers it", () => {
    expect(pickLocale(["en-US", "zh-CN"])).toBe("en");
    expect(pickLocale(["fr", "en-GB"])).toBe("en");
  });
  it("chooses Chinese for any zh tag listed first", () => {
    expect(pickLocale(["zh-TW", "en"])).toBe("zh-CN");
    expect(pickLocale(["zh-Hans-CN"])).toBe("zh-CN");
  });
});

describe("catalogues", () => {
  it("English covers every Chinese key and no more", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
  });
  it("placeholders match between languages", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(zhCN) as (keyof typeof zhCN)[]) expect(names(en[key]), key).toEqual(names(zhCN[key]));
  });
  it("fills placeholders, numbers in the locale's format", () => {
    expect(translate("en", "sync.attempts", { n: 1200 })).toBe("1,200 attempts");
    expect(translate("zh-CN", "checkin.accuracy", { m: 12 })).toBe("精度 ±12 米");
  });
});

describe("formatting", () => {
  it("formats numbers and bytes per locale", () => {
    expect(formatNumber(1234.5, "en")).toBe("1,234.5");
    expect(formatBytes(1536, "en")).toBe("1.5 KB");
    expect(formatBytes(10, "zh-CN")).toBe("10 B");
  });
});
