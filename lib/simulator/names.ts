/** Word lists for synthetic but realistic-looking roster values. */

export const FIRST_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Oliver', 'Sophia', 'Elijah', 'Isabella', 'James',
  'Mia', 'William', 'Amelia', 'Benjamin', 'Harper', 'Lucas', 'Evelyn', 'Henry', 'Abigail', 'Alexander',
  'Emily', 'Mateo', 'Ella', 'Daniel', 'Elizabeth', 'Michael', 'Camila', 'Jackson', 'Luna', 'Sebastian',
  'Sofia', 'Aiden', 'Avery', 'Matthew', 'Mila', 'Samuel', 'Aria', 'David', 'Scarlett', 'Joseph',
  'Penelope', 'Carter', 'Layla', 'Owen', 'Chloe', 'Wyatt', 'Victoria', 'John', 'Madison', 'Jack',
  'Eleanor', 'Luke', 'Grace', 'Jayden', 'Nora', 'Dylan', 'Riley', 'Grayson', 'Zoey', 'Levi',
  'Hannah', 'Isaac', 'Hazel', 'Gabriel', 'Lily', 'Julian', 'Ellie', 'Anthony', 'Violet', 'Jaxon',
  'Lillian', 'Lincoln', 'Zoe', 'Joshua', 'Stella', 'Christopher', 'Aurora', 'Andrew', 'Natalie', 'Theodore',
  'Emilia', 'Caleb', 'Everly', 'Ryan', 'Leah', 'Asher', 'Aubrey', 'Nathan', 'Willow', 'Thomas',
  'Addison', 'Leo', 'Lucy', 'Isaiah', 'Audrey', 'Charles', 'Bella', 'Josiah', 'Nova', 'Hudson',
  'Priya', 'Wei', 'Aisha', 'Diego', 'Fatima', 'Hiroshi', 'Ngozi', 'Santiago', 'Mei', 'Omar',
] as const;

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz', 'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes',
  'Stewart', 'Morris', 'Morales', 'Murphy', 'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper',
  'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim', 'Cox', 'Ward', 'Richardson',
  'Watson', 'Brooks', 'Chavez', 'Wood', 'James', 'Bennett', 'Gray', 'Mendoza', 'Ruiz', 'Hughes',
  "O'Brien", 'Patel', 'Chen', 'Okafor', 'Yamamoto', 'Haddad', 'Kowalski', 'Singh', 'Silva', 'Dubois',
] as const;

export const CITIES = [
  'Riverside', 'Fairview', 'Springfield', 'Franklin', 'Greenville', 'Bristol', 'Clinton', 'Madison',
  'Georgetown', 'Salem', 'Ashland', 'Burlington', 'Manchester', 'Oxford', 'Clayton', 'Milton',
  'Lakewood', 'Cedar Falls', 'Maple Grove', 'Oak Ridge', 'Pine Bluff', 'Willow Creek', 'Summit', 'Harbor City',
] as const;

export const STREETS = [
  'Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Park Blvd', 'Washington St', 'Lake Rd', 'Hill St',
  'Elm St', 'Pine St', 'River Rd', 'Sunset Blvd', 'Church St', 'Mill Rd', 'Spring St', 'School Rd',
] as const;

export const STATES = ['CA', 'TX', 'NY', 'WA', 'IL', 'OH', 'GA', 'NC', 'MI', 'PA', 'CO', 'OR'] as const;

export const SCHOOL_NAME_PARTS = [
  'Lincoln', 'Washington', 'Jefferson', 'Roosevelt', 'Kennedy', 'Franklin', 'Hamilton', 'Jackson',
  'Madison', 'Adams', 'Monroe', 'Grant', 'Hoover', 'Carver', 'Parks', 'Tubman', 'Chavez', 'Curie',
  'Einstein', 'Edison', 'Whitman', 'Emerson', 'Thoreau', 'Twain', 'Frost', 'Earhart', 'Sequoia', 'Redwood',
  'Lakeview', 'Hillcrest', 'Meadowbrook', 'Riverview', 'Brookside', 'Westwood', 'Eastside', 'Northgate',
] as const;

export const TEACHER_TITLES = ['Teacher', 'Lead Teacher', 'Instructor', 'Specialist'] as const;
export const STAFF_TITLES = ['Counselor', 'Librarian', 'Nurse', 'Office Manager', 'Aide', 'Assistant Principal', 'Coach'] as const;
export const STAFF_DEPARTMENTS = ['Student Services', 'Library', 'Health', 'Administration', 'Athletics', 'Special Education'] as const;
export const ADMIN_TITLES = ['Superintendent', 'Director of Technology', 'Data Coordinator', 'Assistant Superintendent'] as const;
/** Clever/swagger-api v3.0.yml `Student.race` enum (Clever says `Caucasian`, not `White`). */
export const RACES = ['Caucasian', 'Asian', 'Black or African American', 'American Indian', 'Two or More Races', 'Hawaiian or Other Pacific Islander', 'Unknown'] as const;
export const HOME_LANGUAGES = ['English', 'English', 'English', 'Spanish', 'Vietnamese', 'Chinese', 'Arabic', 'Tagalog'] as const;
