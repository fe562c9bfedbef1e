import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Load generator for scripts/bench-serve: N clients, each on its own kept-alive HTTP/1.1
 * connection, POST the same body back to back for a fixed time (after an unmeasured warm-up),
 * and the run prints one JSON line: requests per second, latency p50/p99/max in milliseconds,
 * errors by kind. Plain sockets and a minimal HTTP reader keep the client's own cost small, so
 * that on a shared 2-core machine most of the CPU goes to the server under test.
 *
 * <pre>
 * java scripts/ServeLoad.java HOST PORT PATH BODY_FILE CLIENTS SECONDS [WARMUP_SECONDS]
 * </pre>
 */
public final class ServeLoad {
  private ServeLoad() {}

  /** One client's measurements. */
  private static final class Client extends Thread {
    final String host;
    final int port;
    final byte[] request;
    final long warmupEnd;
    final long end;
    long[] latencies = new long[1 << 14];
    int count;
    final Map<String, Integer> errors = new TreeMap<>();

    Client(String host, int port, byte[] request, long warmupEnd, long end) {
      this.host = host;
      this.port = port;
      this.request = request;
      this.warmupEnd = warmupEnd;
      this.end = end;
      setDaemon(true);
    }

    @Override
    public void run() {
      Socket s = null;
      while (System.nanoTime() < end) {
        try {
          if (s == null) {
            s = new Socket();
            s.setTcpNoDelay(true);
            s.setSoTimeout(60_000);
            s.connect(new InetSocketAddress(host, port), 10_000);
          }
          OutputStream out = s.getOutputStream();
          InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
          while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            out.write(request);
            out.flush();
            int status = readResponse(in);
            long t1 = System.nanoTime();
            if (t0 < warmupEnd) {
              continue;
            }
            if (status == 200) {
              if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
              }
              latencies[count++] = t1 - t0;
            } else {
              errors.merge("http " + status, 1, Integer::sum);
            }
          }
        } catch (IOException e) {
          if (System.nanoTime() >= warmupEnd && System.nanoTime() < end) {
            errors.merge(e.getClass().getSimpleName(), 1, Integer::sum);
          }
          try {
            if (s != null) {
              s.close();
            }
          } catch (IOException ignored) {
            // reconnecting anyway
          }
          s = null;
        }
      }
      try {
        if (s != null) {
          s.close();
        }
      } catch (IOException ignored) {
        // done
      }
    }
  }

  /** Reads one response (status line, headers, Content-Length body) and returns its status. */
  static int readResponse(InputStream in) throws IOException {
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    long length = -1;
    boolean chunked = false;
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      String lower = h.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Long.parseLong(h.substring(15).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      }
    }
    if (chunked) {
      for (long n = Long.parseLong(line(in).trim(), 16); n > 0;
          n = Long.parseLong(line(in).trim(), 16)) {
        skip(in, n);
        line(in);
      }
      line(in);
    } else if (length > 0) {
      skip(in, length);
    } else if (length < 0) {
      throw new IOException("response without Content-Length");
    }
    return status;
  }

  private static void skip(InputStream in, long n) throws IOException {
    byte[] buf = new byte[8192];
    long left = n;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        throw new IOException("connection closed in a response body");
      }
      left -= r;
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed");
      }
      if (c == '\n') {
        int n = sb.length();
        return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
      }
      sb.append((char) c);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println(
          "usage: java scripts/ServeLoad.java HOST PORT PATH BODY_FILE CLIENTS SECONDS [WARMUP]");
      System.exit(2);
    }
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String path = args[2];
    byte[] body = Files.readAllBytes(Path.of(args[3]));
    int clients = Integer.parseInt(args[4]);
    double seconds = Double.parseDouble(args[5]);
    double warmup = args.length > 6 ? Double.parseDouble(args[6]) : 3;
    String head =
        "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
    byte[] request = new byte[head.length() + body.length];
    System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, request, 0, head.length());
    System.arraycopy(body, 0, request, head.length(), body.length);
    long start = System.nanoTime();
    long warmupEnd = start + (long) (warmup * 1e9);
    long end = warmupEnd + (long) (seconds * 1e9);
    List<Client> all = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Client c = new Client(host, port, request, warmupEnd, end);
      all.add(c);
      c.start();
    }
    for (Client c : all) {
      c.join();
    }
    int n = all.stream().mapToInt(c -> c.count).sum();
    long[] lat = new long[n];
    int at = 0;
    Map<String, Integer> errors = new TreeMap<>();
    for (Client c : all) {
      System.arraycopy(c.latencies, 0, lat, at, c.count);
      at += c.count;
      c.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum));
    }
    Arrays.sort(lat);
    int errorCount = errors.values().stream().mapToInt(Integer::intValue).sum();
    StringBuilder e = new StringBuilder("{");
    errors.forEach(
        (k, v) -> e.append(e.length() > 1 ? ", " : "").append('"').append(k).append("\": ").append(v));
    e.append('}');
    System.out.printf(
        Locale.ROOT,
        "{\"clients\": %d, \"seconds\": %.1f, \"ok\": %d, \"errors\": %d, \"error_kinds\": %s,"
            + " \"rps\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f}%n",
        clients,
        seconds,
        n,
        errorCount,
        e,
        n / seconds,
        percentile(lat, 0.50),
        percentile(lat, 0.99),
        n == 0 ? Double.NaN : lat[n - 1] / 1e6);
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }
}
