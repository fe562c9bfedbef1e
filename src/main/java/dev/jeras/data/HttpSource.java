package dev.jeras.data;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Downloads {@code base + name + suffix} over HTTP(S) with {@link HttpClient}: 20 s to connect, 60
 * s for the response headers, and a limit on the whole transfer.
 */
final class HttpSource implements Source {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
  static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);
  static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(30);

  private final String base;
  private final String suffix;
  private final HttpClient client;
  private final Duration transferTimeout;

  /**
   * @param base the URL the file name is appended to, ending in '/'
   * @param suffix appended after the name (".gz" for mirrors that only hold gzipped files)
   */
  HttpSource(String base, String suffix) {
    this(base, suffix, CONNECT_TIMEOUT, TRANSFER_TIMEOUT);
  }

  HttpSource(String base, String suffix, Duration connectTimeout, Duration transferTimeout) {
    this.base = base;
    this.suffix = suffix;
    this.transferTimeout = transferTimeout;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  @Override
  public String describe() {
    return base;
  }

  /**
   * @return the URL of {@code file} at this source
   */
  URI uri(RemoteFile file) {
    return URI.create(base + file.name() + suffix);
  }

  @Override
  public void download(RemoteFile file, Path target) throws IOException {
    URI uri = uri(file);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(RESPONSE_TIMEOUT)
            .header("User-Agent", "jeras")
            .GET()
            .build();
    CompletableFuture<HttpResponse<Path>> pending =
        client.sendAsync(request, HttpResponse.BodyHandlers.ofFile(target));
    HttpResponse<Path> response;
    try {
      response = pending.get(transferTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new HttpTimeoutException(
          uri + ": not complete within " + transferTimeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(uri + ": interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(cause);
    }
    if (response.statusCode() != 200) {
      throw new IOException(uri + ": HTTP " + response.statusCode());
    }
  }
}
