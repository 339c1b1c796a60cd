import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The installed appliance logs in as a role that may not change the schema (HOTLINE_DB_MIGRATE=off): at start it
 * only checks that no migration is pending, which reads TypeORM's own `migrations` table.
 */
export class LeastPrivilege1763900800000 implements MigrationInterface {
  name = 'LeastPrivilege1763900800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`GRANT SELECT ON migrations TO hotline_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`REVOKE SELECT ON migrations FROM hotline_app`);
  }
}
