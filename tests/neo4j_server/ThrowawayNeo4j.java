/*
 * Throwaway Neo4j 5 Community server for local tests (driven by neo4j.sh).
 *
 * Usage: NEO4J_PASSWORD=secret java -cp 'lib/*:classes' ThrowawayNeo4j PORT HOME_DIR [--reuse]
 *
 * Starts an embedded DBMS in HOME_DIR (which must be empty or absent) with Bolt on
 * 127.0.0.1:PORT and auth enabled for user "neo4j". The password is written with
 * the same code as `neo4j-admin dbms set-initial-password` before the first start,
 * so Bolt never accepts the default password. Prints "READY" once Bolt is up.
 * Runs until killed; SIGTERM/SIGINT shut the DBMS down and delete HOME_DIR. Its page cache
 * is -Dthrowaway.pagecacheMb megabytes (256 unless set).
 * With --reuse, HOME_DIR is the home of a server that was killed with SIGKILL: the DBMS
 * recovers its databases (and keeps its password), as after a crash.
 */

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import org.neo4j.cli.ExecutionContext;
import org.neo4j.commandline.admin.security.SetInitialPasswordCommand;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import picocli.CommandLine;

public class ThrowawayNeo4j {
    public static void main(String[] args) throws Exception {
        String password = System.getenv("NEO4J_PASSWORD");
        boolean reuse = args.length == 3 && args[2].equals("--reuse");
        if ((args.length != 2 && !reuse) || password == null || password.length() < 8) {
            System.err.println("usage: NEO4J_PASSWORD=<8+ chars> ThrowawayNeo4j PORT HOME_DIR [--reuse]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path home = Path.of(args[1]).toAbsolutePath();
        if (reuse && !Files.isDirectory(home.resolve("data"))) {
            System.err.println("--reuse needs the home of an earlier server: " + home);
            System.exit(2);
        }
        // HOME_DIR is deleted on exit, so refuse anything that already has content.
        if (!reuse && Files.isDirectory(home)) {
            try (Stream<Path> entries = Files.list(home)) {
                if (entries.findAny().isPresent()) {
                    System.err.println("refusing to use non-empty HOME_DIR " + home);
                    System.exit(2);
                }
            }
        }
        Files.createDirectories(home);

        DatabaseManagementService[] dbms = new DatabaseManagementService[1];
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Shutting down");
            try {
                if (dbms[0] != null) {
                    dbms[0].shutdown();
                }
            } finally {
                deleteTree(home);
                System.out.println("Stopped; removed " + home);
            }
        }));

        try {
            // Same as `neo4j-admin dbms set-initial-password`: writes data/dbms/auth.ini,
            // which the system database consumes on its first start.
            Path conf = Files.createDirectories(home.resolve("conf"));
            int rc = reuse ? 0 : new CommandLine(new SetInitialPasswordCommand(new ExecutionContext(home, conf)))
                    .execute(password);
            if (rc != 0) {
                throw new IllegalStateException("set-initial-password failed with exit code " + rc);
            }
            dbms[0] = new DatabaseManagementServiceBuilder(home)
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    .setConfig(HttpConnector.enabled, false)
                    .setConfig(HttpsConnector.enabled, false)
                    .setConfig(GraphDatabaseSettings.auth_enabled, true)
                    .setConfig(GraphDatabaseSettings.pagecache_memory,
                            ByteUnit.mebiBytes(Long.getLong("throwaway.pagecacheMb", 256)))
                    .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    // Internal knobs: without them Bolt's Netty shutdown idles ~10 s.
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(2))
                    .build();
            if (!dbms[0].database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).isAvailable(60_000)) {
                throw new IllegalStateException("default database did not become available");
            }
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1); // runs the shutdown hook, which cleans up
        }
        System.out.println("READY bolt://127.0.0.1:" + port + " home=" + home);
        Thread.currentThread().join(); // until a signal ends the JVM
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
