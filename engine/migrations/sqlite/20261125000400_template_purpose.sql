-- Why a destination asks for the data (inquiry templates): shown on the hosted flow's consent screen.
ALTER TABLE schemas ADD COLUMN purpose TEXT;
