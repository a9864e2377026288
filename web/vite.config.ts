import { defineConfig } from "vitest/config";

declare const process: { env: Record<string, string | undefined> };

// The studio is served by the Python server at "/"; during `npm run dev` API calls and the
// WebSocket are proxied to a local server (CODE_MONET_URL, default http://127.0.0.1:8000).
const target = process.env.CODE_MONET_URL ?? "http://127.0.0.1:8000";
const api = [
  "/auth",
  "/state",
  "/strokes",
  "/canvas.png",
  "/canvas.svg",
  "/settings",
  "/s/",
  "/public/gallery",
  "/health",
  "/version",
];

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    target: "es2020",
  },
  server: {
    proxy: {
      ...Object.fromEntries(api.map((p) => [p, { target, changeOrigin: true }])),
      "/ws": { target: target.replace(/^http/, "ws"), ws: true },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
