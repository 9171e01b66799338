import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .max(200)
  .nullish()
  .transform((value) => value || null);

/** Web domain of a website, without scheme, www. or path: "https://www.Acme.com/about" -> "acme.com". */
export function domainOf(website: string): string | null {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(website) ? website : `https://${website}`);
    return url.hostname.toLowerCase().replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}

export const createCompanyInput = z
  .object({
    name: z.string().trim().min(1, 'name must not be empty').max(200),
    website: optionalText.refine((value) => value === null || domainOf(value) !== null, 'website is not a valid address'),
    industry: optionalText,
    taxId: optionalText,
    ownerId: optionalText,
  })
  .transform((input) => ({ ...input, domain: input.website ? domainOf(input.website) : null }));
