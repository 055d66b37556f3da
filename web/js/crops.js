// One colour per crop, everywhere on the screen (the map's crop layer, the
// overview's donut, legends): a fixed colour for the crops the base grows,
// and for any other a colour chosen by its name, so that a crop keeps its
// colour whichever crops are present and in whatever order.

const FIXED = {
  cotton: '#36f1a4',
  maize: '#ffc94d',
  spring_wheat: '#ff7a59',
  wheat: '#e8a33d',
  tomato: '#ff5fa2',
  unknown: '#8aa0b6',
};
const OTHERS = ['#a98bff', '#5b8cff', '#9be15d', '#2fd6ff', '#d98cff', '#4cc9c0', '#f07c3e'];

/** The colour of crop (a code such as "cotton"; empty: unknown). */
export function cropColor(crop) {
  const c = crop || 'unknown';
  if (FIXED[c]) return FIXED[c];
  let h = 0;
  for (const ch of c) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return OTHERS[h % OTHERS.length];
}
