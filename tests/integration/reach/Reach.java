// Reach.java — Java programs for the runtime tests (tests/integration/test_reach_java.py), run with
// the source launcher: `java [-cp mariadb-java-client.jar] Reach.java MODE ARGS`.
//
//   connect PORT                 java.net.Socket to 127.0.0.1:PORT (Java's sockets are AF_INET6)
//   get URL                      HttpURLConnection GET; prints status and body
//   client URL [N]               java.net.http.HttpClient GET, N times (default 1); prints status
//                                and body of each
//   serve NEXT                   com.sun.net.httpserver on 127.0.0.1, prints "listening PORT"; answers
//                                "java", or "java>" + what HttpURLConnection gets from NEXT (unless
//                                NEXT is "-"); stops when stdin closes
//   jdbc PORT USER PASSWORD [wait]  MariaDB Connector/J: a query and a prepared statement; with
//                                "wait", prints "done" and stays until stdin closes
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

public class Reach {
    static String get(String url) throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        try (InputStream in = c.getInputStream()) {
            return c.getResponseCode() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static void waitStdin() throws Exception {
        while (System.in.read() >= 0) { }
    }

    public static void main(String[] a) throws Exception {
        switch (a[0]) {
        case "connect":
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(a[1])));
            }
            System.out.println("connected");
            break;
        case "get":
            System.out.println(get(a[1]));
            break;
        case "client": {
            HttpClient hc = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0, n = a.length > 2 ? Integer.parseInt(a[2]) : 1; i < n; i++) {
                HttpResponse<String> r = hc.send(HttpRequest.newBuilder(URI.create(a[1])).build(),
                                                 HttpResponse.BodyHandlers.ofString());
                System.out.println(r.statusCode() + " " + r.body());
            }
            break;
        }
        case "serve": {
            String next = a[1];
            HttpServer srv = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            srv.createContext("/", ex -> {
                String body;
                try {
                    body = next.equals("-") ? "java" : "java>" + get(next).split(" ", 2)[1];
                } catch (Exception e) {
                    body = "java error " + e;
                }
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, b.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(b);
                }
            });
            srv.start();
            System.out.println("listening " + srv.getAddress().getPort());
            System.out.flush();
            waitStdin();
            srv.stop(0);
            break;
        }
        case "jdbc": {
            String url = "jdbc:mariadb://127.0.0.1:" + a[1] + "/test";
            try (Connection c = DriverManager.getConnection(url, a[2], a[3]);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT body FROM messages WHERE id = 1")) {
                while (rs.next())
                    System.out.println(rs.getString(1));
                try (PreparedStatement ps = c.prepareStatement("SELECT body FROM messages WHERE id = ?")) {
                    ps.setInt(1, 3);
                    try (ResultSet r2 = ps.executeQuery()) {
                        while (r2.next())
                            System.out.println(r2.getString(1));
                    }
                }
            }
            if (a.length > 4 && a[4].equals("wait")) {
                System.out.println("done");
                System.out.flush();
                waitStdin();
            }
            break;
        }
        default:
            System.err.println("usage: Reach.java connect|get|client|serve|jdbc ...");
            System.exit(2);
        }
    }
}
