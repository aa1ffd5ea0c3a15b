using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>
    /// Waits for the browser's redirect to an http loopback callback: listens on 127.0.0.1 only, at the callback's
    /// port, answers exactly one GET at the callback's exact path (anything else gets a 404), within a time limit,
    /// with a short page telling the user to close the window. A minimal HTTP reader over a TcpListener: no
    /// URL ACLs, no prefix matching, nothing but the one request.
    /// </summary>
    public sealed class LoopbackListener : IDisposable
    {
        private const int MaxRequestHead = 16 * 1024;
        private static readonly TimeSpan PerConnectionLimit = TimeSpan.FromSeconds(10);
        private readonly TcpListener _listener;
        private readonly Uri _callback;
        private readonly string _path;
        private int _disposed;

        private LoopbackListener(Uri callback, TcpListener listener)
        {
            _callback = callback;
            _listener = listener;
            _path = callback.AbsolutePath;
        }

        /// <summary>
        /// The state of the sign-in that is waiting. When set, a request to the callback path with another state (or none)
        /// is answered 400 and the listener keeps waiting: a stray or forged request cannot end the sign-in.
        /// </summary>
        public string? ExpectedState { get; set; }

        /// <summary>Starts listening at once (before the browser is opened), so no redirect can be missed.</summary>
        public static LoopbackListener Start(Uri callback)
        {
            if (callback.Scheme != Uri.UriSchemeHttp || !Registration.RegistrationRules.IsLoopback(callback) || callback.IsDefaultPort)
            {
                throw new PfaException(ErrorIds.CallbackNotLoopback, PfaErrorKind.InvalidArgument, $"The callback URL '{callback.GetLeftPart(UriPartial.Path)}' is not an http address with a port on this machine, so this session cannot receive it itself.", callback.GetLeftPart(UriPartial.Path));
            }

            var listener = new TcpListener(IPAddress.Loopback, callback.Port);
            try
            {
                listener.Start();
            }
            catch (SocketException ex)
            {
                throw new PfaException(
                    ErrorIds.CallbackPortInUse,
                    PfaErrorKind.ResourceUnavailable,
                    $"Could not listen on 127.0.0.1:{callback.Port} for the callback ({ex.SocketErrorCode}). Another program uses that port: stop it, or pass the address the browser ends on with -CallbackUri.",
                    callback.GetLeftPart(UriPartial.Authority),
                    ex);
            }

            return new LoopbackListener(callback, listener);
        }

        /// <summary>Waits for the callback request and returns the full address it asked for.</summary>
        public async Task<Uri> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            var result = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                limit.CancelAfter(timeout);
                using (limit.Token.Register(() => Stop()))
                {
                    try
                    {
                        while (!result.Task.IsCompleted)
                        {
                            TcpClient client;
                            try
                            {
                                Task<TcpClient> accept = _listener.AcceptTcpClientAsync();
                                Task first = await Task.WhenAny(accept, result.Task).ConfigureAwait(false);
                                if (first != accept)
                                {
                                    ObserveLater(accept);
                                    break;
                                }

                                client = await accept.ConfigureAwait(false);
                            }
                            catch (Exception ex) when (ex is ObjectDisposedException || ex is SocketException || ex is InvalidOperationException)
                            {
                                break;
                            }

                            // Each connection on its own: a browser's idle pre-connection must not hold up the real one.
                            _ = Task.Run(() => ServeAsync(client, result));
                        }
                    }
                    finally
                    {
                        Stop();
                    }

                    if (result.Task.IsCompleted)
                    {
                        return await result.Task.ConfigureAwait(false);
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    throw new PfaException(
                        ErrorIds.CallbackTimeout,
                        PfaErrorKind.OperationTimeout,
                        $"The browser did not come back to {_callback.GetLeftPart(UriPartial.Path)} within {timeout.TotalSeconds:0} seconds. Run Connect-PfaAzureDevOps again (use -TimeoutSeconds for more time), open the link it prints, and click Accept.",
                        _callback.GetLeftPart(UriPartial.Path));
                }
            }
        }

        private async Task ServeAsync(TcpClient client, TaskCompletionSource<Uri> result)
        {
            using (client)
            using (var limit = new CancellationTokenSource(PerConnectionLimit))
            {
                try
                {
                    NetworkStream stream = client.GetStream();
                    using (limit.Token.Register(() => client.Close()))
                    {
                        string? head = await ReadHeadAsync(stream).ConfigureAwait(false);
                        if (head is null)
                        {
                            return;
                        }

                        string[] requestLine = head.Substring(0, Math.Max(0, head.IndexOf("\r\n", StringComparison.Ordinal))).Split(' ');
                        string method = requestLine.Length > 0 ? requestLine[0] : string.Empty;
                        string target = requestLine.Length > 1 ? requestLine[1] : string.Empty;
                        int question = target.IndexOf('?');
                        string path = question < 0 ? target : target.Substring(0, question);
                        bool matches = requestLine.Length == 3 && method == "GET" && string.Equals(path, _path, StringComparison.Ordinal);
                        if (!matches || result.Task.IsCompleted)
                        {
                            await WriteAsync(stream, "404 Not Found", "<!DOCTYPE html><html><head><title>Not found</title></head><body><p>Not found.</p></body></html>").ConfigureAwait(false);
                            return;
                        }

                        // A page of another site that the browser sends here (DNS rebinding) names another host.
                        if (!IsLoopbackHost(HeaderValue(head, "Host"), _callback.Port))
                        {
                            await WriteAsync(stream, "400 Bad Request", "<!DOCTYPE html><html><head><title>Bad request</title></head><body><p>This address answers only requests to itself.</p></body></html>").ConfigureAwait(false);
                            return;
                        }

                        if (ExpectedState != null && !string.Equals(QueryValue(target, "state"), ExpectedState, StringComparison.Ordinal))
                        {
                            await WriteAsync(stream, "400 Bad Request", "<!DOCTYPE html><html><head><title>Not this sign-in</title></head><body><p>This answer does not belong to the sign-in PowerShell is waiting for. Use the link PowerShell printed last.</p></body></html>").ConfigureAwait(false);
                            return;
                        }

                        await WriteAsync(stream, "200 OK", Page).ConfigureAwait(false);
                        result.TrySetResult(new Uri(_callback.GetLeftPart(UriPartial.Authority) + target));
                    }
                }
                catch (Exception ex) when (ex is System.IO.IOException || ex is SocketException || ex is ObjectDisposedException || ex is InvalidOperationException || ex is UriFormatException)
                {
                    // A connection that breaks or idles is simply dropped; the listener keeps waiting.
                }
            }
        }

        internal const string Page =
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Pipelines for Applications</title></head>" +
            "<body style=\"font-family:sans-serif;margin:3em\"><h1 id=\"done\">Azure DevOps answered</h1>" +
            "<p>Pipelines for Applications received the answer. You may close this window and return to PowerShell, which shows the result.</p></body></html>";

        internal static string? HeaderValue(string head, string name)
        {
            foreach (string line in head.Split(new[] { "\r\n" }, StringSplitOptions.None))
            {
                int colon = line.IndexOf(':');
                if (colon > 0 && string.Equals(line.Substring(0, colon).Trim(), name, StringComparison.OrdinalIgnoreCase))
                {
                    return line.Substring(colon + 1).Trim();
                }
            }

            return null;
        }

        internal static bool IsLoopbackHost(string? host, int port)
        {
            if (string.IsNullOrEmpty(host))
            {
                return false;
            }

            string suffix = ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return string.Equals(host, "127.0.0.1" + suffix, StringComparison.Ordinal)
                || string.Equals(host, "localhost" + suffix, StringComparison.OrdinalIgnoreCase)
                || string.Equals(host, "[::1]" + suffix, StringComparison.Ordinal);
        }

        /// <summary>A query parameter of a request target or URL (null when absent).</summary>
        public static string? QueryValue(string target, string name)
        {
            int question = target.IndexOf('?');
            if (question < 0)
            {
                return null;
            }

            foreach (string pair in target.Substring(question + 1).Split('&'))
            {
                int equals = pair.IndexOf('=');
                string key = equals < 0 ? pair : pair.Substring(0, equals);
                if (string.Equals(Uri.UnescapeDataString(key), name, StringComparison.Ordinal))
                {
                    return equals < 0 ? string.Empty : Uri.UnescapeDataString(pair.Substring(equals + 1).Replace('+', ' '));
                }
            }

            return null;
        }

        private static async Task<string?> ReadHeadAsync(NetworkStream stream)
        {
            byte[] buffer = new byte[MaxRequestHead];
            int total = 0;
            while (total < buffer.Length)
            {
                int read = await stream.ReadAsync(buffer, total, buffer.Length - total).ConfigureAwait(false);
                if (read == 0)
                {
                    return null;
                }

                total += read;
                string text = Encoding.ASCII.GetString(buffer, 0, total);
                if (text.IndexOf("\r\n\r\n", StringComparison.Ordinal) >= 0)
                {
                    return text;
                }
            }

            return null;
        }

        private static async Task WriteAsync(NetworkStream stream, string status, string html)
        {
            byte[] body = Encoding.UTF8.GetBytes(html);
            string head = "HTTP/1.1 " + status + "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " + body.Length +
                "\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n";
            byte[] headBytes = Encoding.ASCII.GetBytes(head);
            await stream.WriteAsync(headBytes, 0, headBytes.Length).ConfigureAwait(false);
            await stream.WriteAsync(body, 0, body.Length).ConfigureAwait(false);
            await stream.FlushAsync().ConfigureAwait(false);
        }

        private static void ObserveLater(Task task) => task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);

        private void Stop()
        {
            try
            {
                _listener.Stop();
            }
            catch (SocketException)
            {
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Stop();
            }
        }
    }
}
