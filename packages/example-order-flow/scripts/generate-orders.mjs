#!/usr/bin/env node
// Writes the example's input: one PlaceOrder command per line (JSON Lines). The output depends
// only on the options, because every random choice comes from a seeded generator, so running
// it again with the same options rewrites data/orders.jsonl byte for byte.
//
//   node scripts/generate-orders.mjs [--orders 10000] [--customers 600] [--seed 20260105]
//                                    [--declined-percent 2] [--out data/orders.jsonl]
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '10000' },
    customers: { type: 'string', default: '600' },
    seed: { type: 'string', default: '20260105' },
    'declined-percent': { type: 'string', default: '2' },
    out: { type: 'string', default: join(packageDir, 'data', 'orders.jsonl') },
  },
});

const orderCount = positiveInteger(values.orders, '--orders');
const customerCount = positiveInteger(values.customers, '--customers');
const seed = positiveInteger(values.seed, '--seed');
const declinedPercent = Number(values['declined-percent']);
if (!(declinedPercent >= 0 && declinedPercent <= 100)) fail(`--declined-percent must be a number from 0 to 100; received ${values['declined-percent']}.`);

// mulberry32: a small 32-bit generator, good enough to spread test data and fully reproducible.
let state = seed >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const between = (min, max) => min + Math.floor(random() * (max - min + 1));

const COUNTRIES = [
  { code: 'DE', currency: 'EUR', postalCode: () => String(between(10000, 99999)) },
  { code: 'FR', currency: 'EUR', postalCode: () => String(between(10000, 95999)) },
  { code: 'NL', currency: 'EUR', postalCode: () => `${between(1000, 9999)} ${String.fromCharCode(65 + between(0, 25), 65 + between(0, 25))}` },
  { code: 'GB', currency: 'GBP', postalCode: () => `SW${between(1, 20)} ${between(1, 9)}AA` },
  { code: 'US', currency: 'USD', postalCode: () => String(between(10000, 99950)) },
  { code: 'CA', currency: 'CAD', postalCode: () => `M${between(1, 9)}A ${between(1, 9)}B${between(1, 9)}` },
];
const CARDS = ['4242', '5555', '3782', '6011', '4000', '5105'];
// Card numbers ending in 0002 are declined by the example's payment gateway.
const DECLINED_CARD = '0002';

const CATALOG = Array.from({ length: 120 }, (_, index) => ({
  sku: `SKU-${String(1000 + index)}`,
  unitPrice: Math.round((2 + random() * 198) * 100) / 100,
}));

const customers = Array.from({ length: customerCount }, (_, index) => {
  const country = pick(COUNTRIES);
  return {
    customerId: `customer-${String(index + 1).padStart(4, '0')}`,
    country,
    postalCode: country.postalCode(),
    card: pick(CARDS),
  };
});

// Orders arrive over one working day, a few seconds apart.
let placedAt = Date.UTC(2026, 0, 5, 8, 0, 0);
const lines = [];
for (let index = 0; index < orderCount; index++) {
  // Some customers order far more often than others, as in real shops.
  const customer = customers[Math.floor(random() ** 2 * customers.length)];
  const items = [];
  const itemCount = between(1, 4);
  const skus = new Set();
  while (items.length < itemCount) {
    const product = pick(CATALOG);
    if (skus.has(product.sku)) continue;
    skus.add(product.sku);
    items.push({ sku: product.sku, quantity: between(1, 5), unitPrice: product.unitPrice });
  }

  placedAt += between(1, 5_000);
  const declined = random() * 100 < declinedPercent;
  lines.push(
    JSON.stringify({
      type: 'PlaceOrder',
      orderId: `order-${String(index + 1).padStart(6, '0')}`,
      customerId: customer.customerId,
      placedAt: new Date(placedAt).toISOString(),
      currency: customer.country.currency,
      items,
      payment: { method: 'card', cardLast4: declined ? DECLINED_CARD : customer.card },
      shipTo: { country: customer.country.code, postalCode: customer.postalCode },
    }),
  );
}

writeFileSync(values.out, `${lines.join('\n')}\n`);
console.log(`Wrote ${orderCount} orders of ${customerCount} customers to ${values.out} (seed ${seed}).`);

function positiveInteger(text, option) {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) fail(`${option} must be a positive integer; received ${text}.`);
  return value;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}
