/** Content hash of the static assets: their URLs carry it, so they can be cached for long. */
import { createHash } from 'node:crypto';
import { LIVE_JS } from './live-client.js';
import { STYLE_CSS } from './style.js';

export const ASSET_VERSION = createHash('sha256').update(STYLE_CSS).update(LIVE_JS).digest('hex').slice(0, 12);
