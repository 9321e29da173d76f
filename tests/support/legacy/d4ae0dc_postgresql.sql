-- The schema release d4ae0dc made with SQLModel.metadata.create_all (postgresql), frozen:
-- the pre-migration databases that storage/schema.py adopts. Generated from that
-- release's storage/models.py; never edit it to follow newer models.

CREATE TABLE matchround (
	id SERIAL NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	open_slot VARCHAR(32), 
	created_by VARCHAR(32) NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	decided_by VARCHAR(32), 
	decided_at TIMESTAMP WITHOUT TIME ZONE, 
	pool_fingerprint VARCHAR(64) NOT NULL, 
	proposal JSON NOT NULL, 
	channel_id VARCHAR(32), 
	message_ts VARCHAR(32), 
	pairs_total INTEGER NOT NULL, 
	pairs_introduced INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_round_one_open_proposal UNIQUE (open_slot)
);

CREATE INDEX ix_matchround_team_id ON matchround (team_id);

CREATE TABLE participant (
	name VARCHAR(120) NOT NULL, 
	side VARCHAR(16) NOT NULL, 
	skills_share JSON NOT NULL, 
	skills_learn JSON NOT NULL, 
	seniority_years INTEGER NOT NULL, 
	department VARCHAR(80) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	meeting_mode VARCHAR(16) NOT NULL, 
	meeting_frequency VARCHAR(16) NOT NULL, 
	intro VARCHAR(300) NOT NULL, 
	capacity INTEGER NOT NULL, 
	manager_slack_id VARCHAR(32), 
	id SERIAL NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	slack_user_id VARCHAR(32) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	paused_until DATE, 
	paused_at TIMESTAMP WITHOUT TIME ZONE, 
	joined_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	left_at TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_participant_user UNIQUE (team_id, slack_user_id)
);

CREATE INDEX ix_participant_team_id ON participant (team_id);

CREATE TABLE programsettings (
	team_id VARCHAR(32) NOT NULL, 
	length_weeks INTEGER NOT NULL, 
	cadence_weeks INTEGER NOT NULL, 
	nudge_weekday INTEGER NOT NULL, 
	nudge_time VARCHAR NOT NULL, 
	feedback_weekday INTEGER NOT NULL, 
	feedback_time VARCHAR NOT NULL, 
	reminder_after_days INTEGER NOT NULL, 
	quiet_cycles INTEGER NOT NULL, 
	digest_weekday INTEGER NOT NULL, 
	digest_time VARCHAR NOT NULL, 
	digest_timezone VARCHAR NOT NULL, 
	max_tz_diff_hours FLOAT NOT NULL, 
	allow_same_department BOOLEAN NOT NULL, 
	PRIMARY KEY (team_id)
);

CREATE TABLE sendledger (
	id SERIAL NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	key VARCHAR(200) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	pair_id INTEGER, 
	user_id VARCHAR(32), 
	cycle INTEGER, 
	status VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	in_doubt BOOLEAN NOT NULL, 
	claimed_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	sent_at TIMESTAMP WITHOUT TIME ZONE, 
	channel_id VARCHAR(32), 
	payload JSON NOT NULL, 
	message_ts VARCHAR(32), 
	error VARCHAR(300), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_send_key UNIQUE (team_id, key)
);

CREATE INDEX ix_send_status_claimed ON sendledger (status, claimed_at);

CREATE INDEX ix_sendledger_pair_id ON sendledger (pair_id);

CREATE TABLE pair (
	id SERIAL NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	round_id INTEGER, 
	mentor_user_id VARCHAR(32) NOT NULL, 
	mentee_user_id VARCHAR(32) NOT NULL, 
	score INTEGER NOT NULL, 
	reasons JSON NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	channel_id VARCHAR(32), 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	introduced_at TIMESTAMP WITHOUT TIME ZONE, 
	ended_at TIMESTAMP WITHOUT TIME ZONE, 
	end_reason VARCHAR(200), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_pair_round_mentee UNIQUE (team_id, round_id, mentee_user_id), 
	FOREIGN KEY(round_id) REFERENCES matchround (id)
);

CREATE INDEX ix_pair_team_status ON pair (team_id, status);

CREATE TABLE checkin (
	id SERIAL NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	pair_id INTEGER NOT NULL, 
	user_id VARCHAR(32) NOT NULL, 
	cycle INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	met BOOLEAN NOT NULL, 
	usefulness INTEGER, 
	learned VARCHAR(1000) NOT NULL, 
	will_try VARCHAR(1000) NOT NULL, 
	blockers VARCHAR(1000) NOT NULL, 
	goal_progress JSON NOT NULL, 
	overall_usefulness INTEGER, 
	recommend VARCHAR(8), 
	keep_meeting VARCHAR(8), 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_checkin_once UNIQUE (team_id, pair_id, user_id, cycle, kind), 
	FOREIGN KEY(pair_id) REFERENCES pair (id)
);

CREATE INDEX ix_checkin_pair_id ON checkin (pair_id);

CREATE TABLE goal (
	id SERIAL NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	pair_id INTEGER NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	position INTEGER NOT NULL, 
	author_user_id VARCHAR(32) NOT NULL, 
	what VARCHAR(300) NOT NULL, 
	why VARCHAR(500) NOT NULL, 
	measure VARCHAR(300) NOT NULL, 
	target_date DATE, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_goal_slot UNIQUE (team_id, pair_id, role, position), 
	FOREIGN KEY(pair_id) REFERENCES pair (id)
);

CREATE INDEX ix_goal_pair_id ON goal (pair_id);
