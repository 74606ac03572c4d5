import java.sql.*;
import java.util.Properties;

/** Driven by test_jdbc.py: java JdbcCheck <url> <user> <password> <mode>; prints one line per check. */
public class JdbcCheck {
    public static void main(String[] a) throws Exception {
        String url = a[0], user = a[1], pw = a[2], mode = a[3];
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", pw);
        try (Connection c = DriverManager.getConnection(url, p)) {
            if (mode.equals("denied")) {
                try (Statement s = c.createStatement()) {
                    s.executeQuery("SELECT * FROM secret");
                    System.out.println("denied: NO");
                } catch (SQLException e) {
                    System.out.println("denied: " + e.getSQLState());
                }
                return;
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT id, name, price, day, at FROM items WHERE id = ? AND name = ?")) {
                for (int i = 0; i < 7; i++) {  // past prepareThreshold: named statements, binary results
                    ps.setInt(1, 1);
                    ps.setString(2, "apple");
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (i == 6) System.out.println("param: " + rs.getInt(1) + " " + rs.getString(2) + " " + rs.getBigDecimal(3) + " " + rs.getDate(4) + " " + rs.getTimestamp(5));
                    }
                }
            }
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.executeUpdate("CREATE TABLE IF NOT EXISTS jdbc_t (x int)");
                c.commit();
                s.executeUpdate("INSERT INTO jdbc_t VALUES (1)");
                c.rollback();
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM jdbc_t")) {
                    rs.next();
                    System.out.println("rollback: " + rs.getLong(1));
                }
                c.commit();
            }
            try (Statement s = c.createStatement()) {
                s.setFetchSize(1000);
                long n = 0, sum = 0;
                try (ResultSet rs = s.executeQuery("SELECT id, val, label, f FROM big")) {
                    while (rs.next()) { n++; sum += rs.getLong(1); }
                }
                System.out.println("big: " + n + " " + sum);
            }
            c.commit();
            c.setAutoCommit(true);
            DatabaseMetaData md = c.getMetaData();
            StringBuilder names = new StringBuilder();
            try (ResultSet rs = md.getTables(null, "public", "%", new String[] {"TABLE"})) {
                while (rs.next()) names.append(rs.getString("TABLE_NAME")).append(",");
            }
            System.out.println("tables: " + names);
            int keys = 0;
            try (ResultSet rs = md.getPrimaryKeys(null, "public", "items")) {  // none: DDL keeps no constraints
                while (rs.next()) keys++;
            }
            System.out.println("primary keys: " + keys);
        } catch (SQLException e) {
            System.out.println("error: " + e.getSQLState() + " " + e.getMessage());
        }
    }
}
