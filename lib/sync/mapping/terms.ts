/** terms → name and the calendar dates they span. */
import { z } from "zod";
import { baseFields, cleverId, optionalDate, optionalText, type ResourceMapping } from "./common";

const termSchema = z.object({
  ...baseFields,
  district: cleverId,
  name: optionalText,
  start_date: optionalDate,
  end_date: optionalDate,
});

export const termMapping: ResourceMapping<z.output<typeof termSchema>> = {
  schema: termSchema,
  columns: (t) => ({ district_id: t.district, name: t.name ?? null, start_date: t.start_date ?? null, end_date: t.end_date ?? null }),
};
