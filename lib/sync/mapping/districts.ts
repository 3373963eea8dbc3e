/** districts → name, state (Clever's sync state), nces_id, sis_type. */
import { z } from "zod";
import { baseFields, optionalText, requiredText, type ResourceMapping } from "./common";

const districtSchema = z.object({
  ...baseFields,
  name: requiredText,
  state: optionalText,
  nces_id: optionalText,
  sis_type: optionalText,
});

export const districtMapping: ResourceMapping<z.output<typeof districtSchema>> = {
  schema: districtSchema,
  columns: (d) => ({ name: d.name, state: d.state ?? null, nces_id: d.nces_id ?? null, sis_type: d.sis_type ?? null }),
};
