/** courses → name and number. */
import { z } from "zod";
import { baseFields, cleverId, optionalText, type ResourceMapping } from "./common";

const courseSchema = z.object({
  ...baseFields,
  district: cleverId,
  name: optionalText,
  number: optionalText,
});

export const courseMapping: ResourceMapping<z.output<typeof courseSchema>> = {
  schema: courseSchema,
  columns: (c) => ({ district_id: c.district, name: c.name ?? null, number: c.number ?? null }),
};
