// npm run build: the PWA with Vite into dist/, then the service worker with esbuild, its precache
// manifest injected by Workbox.
import { rmSync } from 'node:fs';
import { build as esbuild } from 'esbuild';
import { build as vite } from 'vite';
import { injectManifest } from 'workbox-build';

await vite({ configFile: 'vite.config.ts', logLevel: 'warn' });
await esbuild({ entryPoints: ['sw/sw.ts'], bundle: true, format: 'iife', target: 'es2022', minify: true, outfile: '.tmp/sw.js', define: { 'process.env.NODE_ENV': '"production"' } });
const { count, size, warnings } = await injectManifest({
  swSrc: '.tmp/sw.js',
  swDest: 'dist/sw.js',
  globDirectory: 'dist',
  globPatterns: ['**/*.{html,js,css,svg,png,webmanifest}'],
  globIgnores: ['sw.js'],
});
rmSync('.tmp/sw.js', { force: true });
for (const w of warnings) console.warn(w);
console.log(`build: dist/ ready, service worker precaches ${count} files (${Math.round(size / 1024)} KiB)`);
