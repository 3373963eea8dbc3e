/** schools → identifiers, grade span, phone and the location's city/state/zip. */
import { z } from "zod";
import { baseFields, cleverId, optionalObject, optionalText, requiredText, type ResourceMapping } from "./common";

const schoolSchema = z.object({
  ...baseFields,
  district: cleverId,
  name: requiredText,
  sis_id: optionalText,
  school_number: optionalText,
  state_id: optionalText,
  nces_id: optionalText,
  low_grade: optionalText,
  high_grade: optionalText,
  phone: optionalText,
  location: optionalObject({ address: optionalText, city: optionalText, state: optionalText, zip: optionalText }),
  principal: optionalObject({ name: optionalText, email: optionalText }),
});

export const schoolMapping: ResourceMapping<z.output<typeof schoolSchema>> = {
  schema: schoolSchema,
  columns: (s) => ({
    district_id: s.district,
    name: s.name,
    sis_id: s.sis_id ?? null,
    school_number: s.school_number ?? null,
    state_id: s.state_id ?? null,
    nces_id: s.nces_id ?? null,
    low_grade: s.low_grade ?? null,
    high_grade: s.high_grade ?? null,
    phone: s.phone ?? null,
    city: s.location?.city ?? null,
    state: s.location?.state ?? null,
    zip: s.location?.zip ?? null,
  }),
};
