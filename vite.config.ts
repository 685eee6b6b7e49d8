import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

export default defineConfig({
  root: 'web',
  publicDir: 'public',
  plugins: [solid()],
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
});
