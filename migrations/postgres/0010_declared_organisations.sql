-- Expert review (issue 13): organisations an expert declares a conflict of interest with (a former
-- employer, a partner…): every entry naming one of them is a declared conflict. A JSON array of names.
ALTER TABLE experts ADD COLUMN declared_organizations TEXT NOT NULL DEFAULT '[]';
