package dev.jeras.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A tiny HTTP client for the server tests (loopback only). */
final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private Http() {}

  /** A status and a body. */
  record Reply(int status, String body) {}

  static Reply post(int port, String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(port, path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  static Reply get(int port, String path) {
    return send(HttpRequest.newBuilder(uri(port, path)).GET().build());
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static Reply send(HttpRequest r) {
    try {
      HttpResponse<String> res =
          CLIENT.send(
              HttpRequest.newBuilder(r, (k, v) -> true).timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofString());
      return new Reply(res.statusCode(), res.body());
    } catch (IOException e) {
      throw new AssertionError(r.method() + " " + r.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * A request sent by hand over a socket: headers and the first part of the body now, the rest when
   * asked (a slow client).
   */
  static final class SlowRequest implements AutoCloseable {
    private final Socket socket;
    private final String rest;

    SlowRequest(int port, String path, String body, int sendNow) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(60_000);
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      String head =
          "POST "
              + path
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              + "Content-Length: "
              + b.length
              + "\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(b, 0, sendNow);
      out.flush();
      rest = new String(b, sendNow, b.length - sendNow, StandardCharsets.UTF_8);
    }

    /** Sends the rest of the body and reads the reply (status line and body). */
    Reply finish() throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(rest.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      String headers = readHeaders(in);
      int status = Integer.parseInt(headers.split(" ")[1]);
      int length = 0;
      for (String line : headers.split("\r\n")) {
        if (line.toLowerCase().startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      return new Reply(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    private static String readHeaders(InputStream in) throws IOException {
      StringBuilder sb = new StringBuilder();
      while (!sb.toString().endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) {
          throw new IOException("connection closed after: " + sb);
        }
        sb.append((char) c);
      }
      return sb.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
