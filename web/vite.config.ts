import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './build/precompress.js';

const here = path.dirname(fileURLToPath(import.meta.url));

// Built into dist/web, which the Leadline server serves at `/` (src/platform/http/dashboard.routes.ts).
export default defineConfig({
  root: here,
  base: '/',
  plugins: [react(), precompress()],
  // `npm run dev:web`: the page from Vite, the API and the live socket from a Leadline on port 3000
  // (started with CORS_ORIGINS=http://localhost:5173 so it accepts this origin).
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/api': { target: 'http://127.0.0.1:3000', ws: true } },
  },
  build: {
    outDir: path.resolve(here, '../dist/web'),
    emptyOutDir: true,
    // The strict CSP allows no inline script: keep every module in a file.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
  },
});
