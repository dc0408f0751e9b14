/**
 * The dirt real exports carry (DESIGN.md, "The energy entities"), applied at a few percent
 * each by `--dirty`. Every choice is drawn from a seeded PRNG, so dirty files are deterministic
 * too. Values are dirtied before CSV quoting, so the files stay valid RFC 4180 CSV.
 */
import { PAD2, stripAccents } from './format.js';
import type { EnergyProfile } from './market.js';
import { ALIAS_CIUDAD } from './names.js';
import type { TipoIdentificacion } from './population.js';
import type { Prng } from '../../core/util/prng.js';

/** How a whole file is encoded. */
export type FileEncoding = 'utf8' | 'utf8-bom' | 'latin1';
/** Line ends of a file; `mixed` is LF with some CRLF lines (files concatenated on Windows). */
export type LineEnding = 'LF' | 'CRLF' | 'mixed';

export interface FileProfile {
  encoding: FileEncoding;
  lineEnding: LineEnding;
}

export const CLEAN_PROFILE: FileProfile = { encoding: 'utf8', lineEnding: 'LF' };

/**
 * Dirty mode encodes the three files differently: one Latin-1 with CRLF (a Windows export), one
 * UTF-8 with a BOM and CRLF (Excel), one UTF-8 with mixed line ends. Which file gets which is
 * chosen from the seed.
 */
export function dirtyProfiles(rng: Prng): [FileProfile, FileProfile, FileProfile] {
  const profiles: FileProfile[] = [
    { encoding: 'latin1', lineEnding: 'CRLF' },
    { encoding: 'utf8-bom', lineEnding: 'CRLF' },
    { encoding: 'utf8', lineEnding: 'mixed' },
  ];
  for (let i = profiles.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [profiles[i], profiles[j]] = [profiles[j]!, profiles[i]!];
  }
  return profiles as [FileProfile, FileProfile, FileProfile];
}

/** Rates of each kind of dirt (probability per value or per row). */
export const DIRT_RATES = {
  text: 0.06,
  cityAlias: 0.02,
  tipoIdentificacion: 0.06,
  nit: 0.1,
  ccDots: 0.02,
  decimalComma: 0.04,
  thousands: 0.02,
  tipoTransaccion: 0.05,
  energia: 0.05,
  duplicate: 0.01,
  emptyLine: 0.004,
  delimiterLine: 0.001,
  broken: 0.006,
  extraQuotes: 0.01,
} as const;

const ID_VARIANTS: Record<TipoIdentificacion, readonly string[]> = {
  CC: ['C.C.', 'cc', 'Cédula', 'CEDULA', 'C.C', 'Cc', 'Cédula de ciudadanía'],
  NIT: ['Nit', 'nit', 'N.I.T.', 'NIT.'],
  CE: ['C.E.', 'ce', 'Cédula de extranjería', 'CEDULA EXTRANJERIA'],
  PAS: ['Pasaporte', 'pas', 'PASAPORTE', 'PA'],
};

const TIPO_TX_VARIANTS: Record<'Compra' | 'Venta', readonly string[]> = {
  Compra: ['compra', 'COMPRA', 'Compra ', ' compra', 'COMPRA '],
  Venta: ['venta', 'VENTA', 'VENTA ', ' Venta', 'venta '],
};

/** Draws dirt for one file. */
export class Dirt {
  constructor(readonly rng: Prng) {}

  /** Mixed case, stray spaces, missing accents; rarely an inner line break. */
  text(s: string, rate: number = DIRT_RATES.text): string {
    const rng = this.rng;
    if (!rng.chance(rate)) return s;
    switch (rng.int(0, 8)) {
      case 0:
        return s.toUpperCase();
      case 1:
        return s.toLowerCase();
      case 2:
        return stripAccents(s);
      case 3:
        return stripAccents(s, false).toUpperCase();
      case 4:
        return ` ${s}`;
      case 5:
        return `${s}  `;
      case 6:
        return s.replace(' ', '  ');
      case 7:
        return `  ${s.toUpperCase()} `;
      default:
        // A line break inside a value: the field must be quoted; it folds back to one space.
        return rng.chance(0.2) ? s.replace(' ', '\n') : stripAccents(s).toLowerCase();
    }
  }

  ciudad(nombre: string): string {
    const aliases = ALIAS_CIUDAD[nombre];
    if (aliases && this.rng.chance(DIRT_RATES.cityAlias * 5)) return this.rng.pick(aliases);
    return this.text(nombre);
  }

  tipoIdentificacion(code: TipoIdentificacion): string {
    return this.rng.chance(DIRT_RATES.tipoIdentificacion) ? this.rng.pick(ID_VARIANTS[code]) : code;
  }

  /** A NIT with its check digit in one of the spellings real files use. */
  nit(nit: string, dv: number): string {
    if (!this.rng.chance(DIRT_RATES.nit)) return `${nit}-${dv}`;
    const dotted = `${nit.slice(0, 3)}.${nit.slice(3, 6)}.${nit.slice(6)}`;
    switch (this.rng.int(0, 4)) {
      case 0:
        return `${dotted}-${dv}`;
      case 1:
        return `${nit}${dv}`;
      case 2:
        return `${nit} - ${dv}`;
      case 3:
        return `${dotted} ${dv}`;
      default:
        return nit; // check digit left out
    }
  }

  /** A cédula, sometimes with thousands dots (`1.020.345.678`). */
  cedula(digits: string): string {
    if (!this.rng.chance(DIRT_RATES.ccDots)) return digits;
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  }

  /** An amount in hundredths: `1234.50`, or `1234,5` / `1.234,5` with Spanish separators. */
  amount(hundredths: number, clean: string): string {
    const r = this.rng.next();
    if (r >= DIRT_RATES.decimalComma + DIRT_RATES.thousands) return clean;
    const whole = Math.floor(hundredths / 100);
    let cents: string = PAD2[hundredths - whole * 100]!;
    if (this.rng.chance(0.5)) cents = cents.replace(/0+$/, '');
    let int = String(whole);
    if (r >= DIRT_RATES.decimalComma) int = int.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
    return cents === '' ? int : `${int},${cents}`;
  }

  tipoTransaccion(t: 'Compra' | 'Venta'): string {
    return this.rng.chance(DIRT_RATES.tipoTransaccion) ? this.rng.pick(TIPO_TX_VARIANTS[t]) : t;
  }

  energia(p: EnergyProfile): string {
    return this.rng.chance(DIRT_RATES.energia) ? this.rng.pick(p.variants) : p.display;
  }

  /** A header cell in another spelling: `Tipo Identificación`, `NOMBRE`, `"ciudad"`. */
  header(columns: readonly string[]): string {
    const style = this.rng.int(0, 3);
    return columns
      .map((c) => {
        if (!this.rng.chance(0.5)) return c;
        const words = c.split('_');
        switch (style) {
          case 0:
            return c.toUpperCase();
          case 1:
            return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
          case 2:
            return `"${c}"`;
          default:
            return ` ${words.join(' ')}`;
        }
      })
      .join(';');
  }
}

/**
 * Turns finished data rows into file text, adding the row-level dirt: exact duplicates (a row
 * written again a few rows later), empty lines, delimiter-only lines and mixed line ends.
 */
export class DirtyLines {
  /** Data rows written by the last {@link emit} (duplicates count). */
  rows = 0;
  private pending: string | undefined;
  private pendingIn = 0;

  constructor(
    private readonly rng: Prng,
    private readonly profile: FileProfile,
    private readonly columns: number,
  ) {}

  eol(): string {
    const { lineEnding } = this.profile;
    if (lineEnding === 'CRLF') return '\r\n';
    if (lineEnding === 'mixed' && this.rng.chance(0.02)) return '\r\n';
    return '\n';
  }

  emit(row: string): string {
    const rng = this.rng;
    let out = '';
    this.rows = 1;
    const r = rng.next();
    if (r < DIRT_RATES.emptyLine) out += this.eol();
    else if (r < DIRT_RATES.emptyLine + DIRT_RATES.delimiterLine) {
      out += ';'.repeat(this.columns - 1) + this.eol();
    }
    out += row + this.eol();
    if (this.pending !== undefined && --this.pendingIn <= 0) {
      out += this.pending;
      this.pending = undefined;
      this.rows++;
    } else if (this.pending === undefined && rng.chance(DIRT_RATES.duplicate)) {
      this.pending = row + this.eol();
      this.pendingIn = rng.int(0, 20);
      if (this.pendingIn === 0) {
        out += this.pending;
        this.pending = undefined;
        this.rows++;
      }
    }
    return out;
  }

  /** What ends the file: a pending duplicate and, sometimes, trailing empty lines. */
  end(): string {
    let out = '';
    this.rows = 0;
    if (this.pending !== undefined) {
      out += this.pending;
      this.pending = undefined;
      this.rows = 1;
    }
    if (this.rng.chance(0.5)) out += this.eol().repeat(this.rng.int(1, 3));
    return out;
  }
}

/** Quotes a field that needs it — and, rarely, one that does not (some exporters quote text). */
export function dirtyCsvField(rng: Prng, value: string): string {
  if (/[;"\r\n]/.test(value) || rng.chance(DIRT_RATES.extraQuotes)) {
    return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}
