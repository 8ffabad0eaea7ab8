import { defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string };

// The app is served by Flask at "/" with the API on the same origin under /api.
export default defineConfig({
  base: "/",
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    target: "es2020",
    sourcemap: false,
    assetsInlineLimit: 0,
  },
  worker: { format: "es" },
  server: {
    proxy: { "/api": "http://127.0.0.1:5000" },
  },
  plugins: [
    VitePWA({
      strategies: "injectManifest",
      srcDir: "src",
      filename: "sw.ts",
      registerType: "prompt",
      injectRegister: false,
      manifestFilename: "manifest.webmanifest",
      injectManifest: {
        globPatterns: ["**/*.{js,css,html,png,svg,webmanifest}"],
        rollupFormat: "iife",
      },
      manifest: {
        id: "/",
        name: "网格巡查 Gridwalk",
        short_name: "网格巡查",
        description: "网格员离线巡查：打卡、上报问题、入户走访 / Offline grid patrol: check in, report problems, record visits",
        lang: "zh-CN",
        start_url: "/",
        scope: "/",
        display: "standalone",
        orientation: "portrait",
        theme_color: "#0f766e",
        background_color: "#f8fafc",
        icons: [
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      devOptions: { enabled: false },
    }),
  ],
});
