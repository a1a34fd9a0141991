// The page's assets, built into the binary: the TypeScript is bundled by a macro at build time
// (`bun build --compile` inlines the result), so nothing is fetched from a CDN or read beside it.
import { bundlePage } from "./page/bundle.ts" with { type: "macro" };

export interface PageAssets {
  html: string;
  js: string;
  css: string;
}

const assets: PageAssets = bundlePage();

export const pageAssets = (): PageAssets => assets;
