using System;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Rest
{
    /// <summary>Limits of one call: the time each attempt may take and how often a throttled or failed call is retried.</summary>
    public sealed class HttpCallOptions
    {
        public static HttpCallOptions Default { get; } = new HttpCallOptions();

        /// <summary>The time limit of one attempt (connect, send, read the answer).</summary>
        public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>The largest answer read (Azure DevOps' answers here are kilobytes); a larger one fails without being read.</summary>
        public long MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

        /// <summary>4 MiB.</summary>
        public const long DefaultMaxResponseBytes = 4L * 1024 * 1024;

        /// <summary>Retries after 429/503 (and, for idempotent calls, 500/502/504 and dropped connections).</summary>
        public int MaxRetries { get; set; } = 3;

        /// <summary>The longest Retry-After honoured; a longer one fails at once with the time to wait.</summary>
        public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>How waiting is done (tests replace it).</summary>
        public Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = (delay, token) => Task.Delay(delay, token);
    }

    /// <summary>
    /// The one HttpClient of the process for Azure DevOps and its OAuth server (connection pooling, DNS refresh),
    /// and the retry loop every call shares. Certificates are always validated by the platform: to trust a
    /// private server, trust its certificate in the system store (or SSL_CERT_FILE on Linux).
    /// </summary>
    public static class AzureDevOpsHttp
    {
        private static readonly Lazy<HttpClient> SharedClient = new Lazy<HttpClient>(Create, LazyThreadSafetyMode.ExecutionAndPublication);

        public static HttpClient Client => SharedClient.Value;

        internal static string UserAgent { get; } = "PfaAzureDevOps/" + (typeof(AzureDevOpsHttp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

        private static HttpClient Create()
        {
#if NET
            var handler = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(30),
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            };
#else
            var handler = new HttpClientHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            };
#endif
            var client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
            return client;
        }

        /// <summary>
        /// Sends a request made fresh for each attempt, honouring Retry-After on 429/503 a bounded number of times.
        /// Non-idempotent calls (token redemption) are retried only when the server said it did not process them (429/503).
        /// </summary>
        public static async Task<HttpResponseMessage> SendAsync(
            HttpMessageInvoker invoker, Func<HttpRequestMessage> createRequest, bool idempotent, HttpCallOptions options, string what, CancellationToken cancellationToken)
        {
            int attempt = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                HttpResponseMessage? response = null;
                Exception? failure = null;
                using (var attemptLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    attemptLimit.CancelAfter(options.AttemptTimeout);
                    using (HttpRequestMessage request = createRequest())
                    {
                        // The one transport rule, whatever the URL's origin (parameter, stored document, derived).
                        Rules.UrlRules.RequireForRequest(request.RequestUri, "server URL");
                        try
                        {
                            // Headers first, then the body read under a size limit: a huge answer is never buffered whole.
                            response = invoker is HttpClient client
                                ? await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attemptLimit.Token).ConfigureAwait(false)
                                : await invoker.SendAsync(request, attemptLimit.Token).ConfigureAwait(false);
                            if (response.Content != null)
                            {
                                await BufferBoundedAsync(response, options.MaxResponseBytes, what, request.RequestUri, attemptLimit.Token).ConfigureAwait(false);
                            }
                        }
                        catch (PfaException)
                        {
                            response?.Dispose();
                            throw;
                        }
                        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                        {
                            response?.Dispose();
                            throw new PfaException(ErrorIds.AzureDevOpsTimeout, PfaErrorKind.OperationTimeout, $"{what} did not answer within {options.AttemptTimeout.TotalSeconds:0} seconds. Check the network (and proxy) and try again.", request.RequestUri is null ? null : Rules.UrlRules.Redact(request.RequestUri), ex);
                        }
                        catch (HttpRequestException ex)
                        {
                            response?.Dispose();
                            response = null;
                            failure = ex;
                        }
                    }
                }

                if (failure != null)
                {
                    if (idempotent && attempt < options.MaxRetries)
                    {
                        attempt++;
                        await options.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    throw new PfaException(ErrorIds.AzureDevOpsConnectionFailed, PfaErrorKind.ConnectionError, $"{what} could not be reached: {Describe(failure)} Check the URL, the network (and proxy) and, for a private server, that its certificate is trusted on this machine.", null, failure);
                }

                int status = (int)response!.StatusCode;
                bool throttled = status == 429 || status == 503;
                bool transient = throttled || (idempotent && (status == 500 || status == 502 || status == 504));
                if (!transient || attempt >= options.MaxRetries)
                {
                    return response;
                }

                TimeSpan? retryAfter = RetryAfter(response);
                TimeSpan delay = retryAfter ?? Backoff(attempt + 1);
                if (delay > options.MaxRetryDelay)
                {
                    return response;
                }

                response.Dispose();
                attempt++;
                await options.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Reads the body into memory up to <paramref name="maxBytes"/> (refusing a larger Content-Length before reading),
        /// and puts it back as buffered content with the same headers.
        /// </summary>
        internal static async Task BufferBoundedAsync(HttpResponseMessage response, long maxBytes, string what, Uri? url, CancellationToken cancellationToken)
        {
            HttpContent content = response.Content!;
            long? declared = content.Headers.ContentLength;
            if (declared.HasValue && declared.Value > maxBytes)
            {
                throw TooLarge(what, maxBytes, url);
            }

            byte[] body;
            using (System.IO.Stream stream = await content.ReadAsStreamAsync().ConfigureAwait(false))
            using (var buffer = new System.IO.MemoryStream())
            {
                byte[] chunk = new byte[16 * 1024];
                while (true)
                {
                    int read = await stream.ReadAsync(chunk, 0, chunk.Length, cancellationToken).ConfigureAwait(false);
                    if (read <= 0)
                    {
                        break;
                    }

                    if (buffer.Length + read > maxBytes)
                    {
                        throw TooLarge(what, maxBytes, url);
                    }

                    buffer.Write(chunk, 0, read);
                }

                body = buffer.ToArray();
            }

            var buffered = new ByteArrayContent(body);
            foreach (System.Collections.Generic.KeyValuePair<string, System.Collections.Generic.IEnumerable<string>> header in content.Headers)
            {
                if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    buffered.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            content.Dispose();
            response.Content = buffered;
        }

        private static PfaException TooLarge(string what, long maxBytes, Uri? url) => new PfaException(
            ErrorIds.ResponseTooLarge,
            PfaErrorKind.LimitsExceeded,
            $"{what} answered with more than {maxBytes / (1024 * 1024)} MB, far more than any answer this module expects; it was not read and nothing was changed. Check that the URL points at Azure DevOps (or its authorization server).",
            url is null ? null : Rules.UrlRules.Redact(url));

        internal static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(8, Math.Pow(2, attempt - 1)));

        public static TimeSpan? RetryAfter(HttpResponseMessage response)
        {
            RetryConditionHeaderValue? header = response.Headers.RetryAfter;
            if (header?.Delta is TimeSpan delta)
            {
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }

            if (header?.Date is DateTimeOffset date)
            {
                TimeSpan wait = date - DateTimeOffset.UtcNow;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }

            return null;
        }

        internal static string Describe(Exception ex)
        {
            var builder = new StringBuilder();
            for (Exception? current = ex; current != null; current = current.InnerException)
            {
                if (builder.Length > 0)
                {
                    builder.Append(" ");
                }

                builder.Append(current.Message.TrimEnd('.')).Append('.');
                if (builder.Length > 400)
                {
                    break;
                }
            }

            return builder.ToString();
        }

        /// <summary>Reads a short, printable string property of a JSON body, case-insensitively; null when absent.</summary>
        internal static string? ReadString(JsonElement element, params string[] names)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (JsonProperty property in element.EnumerateObject())
            {
                foreach (string name in names)
                {
                    if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        if (property.Value.ValueKind == JsonValueKind.String)
                        {
                            return property.Value.GetString();
                        }

                        if (property.Value.ValueKind == JsonValueKind.Number)
                        {
                            return property.Value.GetRawText();
                        }
                    }
                }
            }

            return null;
        }

        internal static string Clip(string? text, int max = 300)
        {
            if (string.IsNullOrEmpty(text))
            {
                return string.Empty;
            }

            var builder = new StringBuilder();
            foreach (char c in text!)
            {
                if (builder.Length >= max)
                {
                    builder.Append("...");
                    break;
                }

                builder.Append(char.IsControl(c) ? ' ' : c);
            }

            return builder.ToString().Trim();
        }

        internal static bool IsHtml(HttpResponseMessage response)
        {
            string? mediaType = response.Content?.Headers.ContentType?.MediaType;
            return mediaType != null && mediaType.IndexOf("html", StringComparison.OrdinalIgnoreCase) >= 0;
        }

        internal static string FormatSeconds(TimeSpan delay) => delay.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
    }
}
