using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SshTransport
{
    /// <summary>One SSH connection attempt: the client, the host key verdict, and the mapping of failures to error ids.</summary>
    internal sealed class SshConnector : IDisposable
    {
        private static readonly string SshNetAssemblyName = typeof(SshClient).Assembly.GetName().Name ?? "Renci.SshNet";
        private readonly SshEndpoint _endpoint;
        private readonly HostKeyPolicy _policy;
        private readonly SshClientKey _key;

        public SshConnector(SshEndpoint endpoint, SshClientKey key, HostKeyPolicy policy, TimeSpan timeout)
        {
            _endpoint = endpoint;
            _key = key;
            _policy = policy;
            var connectionInfo = new ConnectionInfo(endpoint.Host, endpoint.Port, endpoint.User, new PrivateKeyAuthenticationMethod(endpoint.User, key.Source))
            {
                Timeout = timeout,
                RetryAttempts = 1,
            };
            RestrictHostKeyAlgorithms(connectionInfo, policy.PreferredKeyTypes(endpoint.Host, endpoint.Port));
            DeprioritizeSlowKeyExchange(connectionInfo);
            Client = new SshClient(connectionInfo);
            Client.HostKeyReceived += OnHostKeyReceived;
        }

        public SshClient Client { get; }

        /// <summary>The verdict on the host key, once the server presented one.</summary>
        public HostKeyVerdict? Verdict { get; private set; }

        /// <summary>The host key blob the server presented (only trusted ones are used afterwards).</summary>
        public byte[]? HostKey { get; private set; }

        private void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
        {
            HostKey = e.HostKey;
            Verdict = _policy.Verify(_endpoint.Host, _endpoint.Port, e.HostKey);
            e.CanTrust = Verdict.IsTrusted;
        }

        /// <summary>
        /// sntrup761x25519 runs in managed BouncyCastle code and costs 200-400 ms per connection (measured on loopback
        /// against OpenSSH 9.2, versus about 60 ms for curve25519): offer it after curve25519. ML-KEM hybrid stays first.
        /// </summary>
        private static void DeprioritizeSlowKeyExchange(ConnectionInfo connectionInfo)
        {
            var slow = new List<KeyValuePair<string, Func<IKeyExchange>>>();
            foreach (KeyValuePair<string, Func<IKeyExchange>> pair in connectionInfo.KeyExchangeAlgorithms)
            {
                if (pair.Key.StartsWith("sntrup", StringComparison.Ordinal))
                {
                    slow.Add(pair);
                }
            }

            foreach (KeyValuePair<string, Func<IKeyExchange>> pair in slow)
            {
                connectionInfo.KeyExchangeAlgorithms.Remove(pair.Key);
                connectionInfo.KeyExchangeAlgorithms.Add(pair.Key, pair.Value);
            }
        }

        private static void RestrictHostKeyAlgorithms(ConnectionInfo connectionInfo, IReadOnlyCollection<string>? keyTypes)
        {
            if (keyTypes == null)
            {
                return;
            }

            var allowed = new HashSet<string>(StringComparer.Ordinal);
            foreach (string type in keyTypes)
            {
                if (type == "ssh-rsa")
                {
                    allowed.Add("rsa-sha2-512");
                    allowed.Add("rsa-sha2-256");
                    allowed.Add("ssh-rsa");
                }
                else
                {
                    allowed.Add(type);
                }
            }

            var remove = new List<string>();
            bool any = false;
            foreach (string name in connectionInfo.HostKeyAlgorithms.Keys)
            {
                if (allowed.Contains(name))
                {
                    any = true;
                }
                else
                {
                    remove.Add(name);
                }
            }

            if (!any)
            {
                return;
            }

            foreach (string name in remove)
            {
                connectionInfo.HostKeyAlgorithms.Remove(name);
            }
        }

        /// <summary>
        /// Runs <paramref name="work"/> on a worker thread; returns when it ends, when the timeout elapses
        /// (<c>SshTimeout</c>), or when <paramref name="cancellationToken"/> fires (OperationCanceledException, at once:
        /// the connection is torn down behind it).
        /// </summary>
        public async Task<T> RunAsync<T>(Func<T> work, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Task<T> task = Task.Run(work, CancellationToken.None);
            using (var delayCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                Task delay = Task.Delay(timeout, delayCancel.Token);
                Task first = await Task.WhenAny(task, delay).ConfigureAwait(false);
                delayCancel.Cancel();
                if (first == task)
                {
                    return await task.ConfigureAwait(false);
                }
            }

            // Abandon the worker: closing the client ends its blocking calls; observe what it throws.
            _ = task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw Timeout(timeout);
        }

        public PfaException Timeout(TimeSpan timeout) =>
            new PfaException(ErrorIds.SshTimeout,
                PfaErrorKind.OperationTimeout,
                $"'{_endpoint.Host}' port {_endpoint.Port} did not complete the SSH exchange within {timeout.TotalSeconds:0.##} s. Check that the host and port serve SSH and that no firewall or proxy holds the connection, or allow more time with -Timeout.",
                _endpoint.Target);

        /// <summary>Maps an exception from SSH.NET (or the socket below) to a PfaException.</summary>
        public PfaException Map(Exception ex, TimeSpan timeout)
        {
            if (ex is PfaException pfa)
            {
                return pfa;
            }

            if (Verdict != null && !Verdict.IsTrusted)
            {
                return Verdict.ToException(_endpoint.Host, _endpoint.Port);
            }

            string where = $"'{_endpoint.Host}' port {_endpoint.Port}";
            if (ex is SshAuthenticationException)
            {
                string hint = _key.IsRsa
                    ? " If the key is registered, the server may accept only SHA-1 'ssh-rsa' signatures, which this module never uses (it signs with rsa-sha2-512 or rsa-sha2-256)."
                    : string.Empty;
                return new PfaException(ErrorIds.SshKeyNotAuthorized,
                    PfaErrorKind.Authentication,
                    $"{where} refused the SSH key for user '{_endpoint.User}'. The key is not registered for this user: add its public key (for Azure DevOps with Add-AzDevOpsSshKey), then try again.{hint}",
                    _endpoint.Target,
                    ex);
            }

            if (ex is SshOperationTimeoutException)
            {
                return Timeout(timeout);
            }

            SocketException? socket = ex as SocketException ?? ex.InnerException as SocketException;
            if (socket != null)
            {
                if (socket.SocketErrorCode == SocketError.TimedOut)
                {
                    return Timeout(timeout);
                }

                string why = socket.SocketErrorCode == SocketError.HostNotFound || socket.SocketErrorCode == SocketError.TryAgain || socket.SocketErrorCode == SocketError.NoData
                    ? "the host name could not be resolved"
                    : socket.SocketErrorCode == SocketError.ConnectionRefused
                        ? "the connection was refused (nothing listens on that port)"
                        : "the network reported " + socket.SocketErrorCode;
                return new PfaException(ErrorIds.SshHostUnreachable,
                    PfaErrorKind.ConnectionError,
                    $"Cannot reach {where}: {why}. Check the host name and port in the URL, DNS, and the network or firewall between this machine and the server.",
                    _endpoint.Target,
                    ex);
            }

            if (ex is SshConnectionException || ex is SshException || ex is IOException || ex is ObjectDisposedException)
            {
                return new PfaException(ErrorIds.SshConnectionFailed,
                    PfaErrorKind.ConnectionError,
                    $"The SSH connection to {where} failed: {ex.Message}. Check that the host and port serve SSH (not HTTPS or another protocol) and that the server allows modern algorithms.",
                    _endpoint.Target,
                    ex);
            }

            if (IsChannelClosedBySshNet(ex))
            {
                return new PfaException(ErrorIds.SshConnectionFailed,
                    PfaErrorKind.ConnectionError,
                    $"The SSH connection to {where} failed: the server closed the SSH channel before the exchange was complete ({ex.Message.TrimEnd('.')}). Try again; if it keeps happening, check the server's SSH log (a session limit, or a command that ends at once) and the network between this machine and the server.",
                    _endpoint.Target,
                    ex);
            }

            return new PfaException(ErrorIds.SshConnectionFailed,
                PfaErrorKind.ConnectionError,
                $"The SSH connection to {where} failed unexpectedly ({ex.GetType().Name}: {ex.Message}).",
                _endpoint.Target,
                ex);
        }

        /// <summary>
        /// SSH.NET throws a plain InvalidOperationException when something is sent on a channel the server has closed
        /// (Channel.SendEof: "The channel is closed."; SshCommand.CreateInputStream: "The input stream can be used only
        /// during execution."). Ours (thrown by this assembly) and ObjectDisposedException are not that.
        /// </summary>
        internal static bool IsChannelClosedBySshNet(Exception ex) =>
            ex.GetType() == typeof(InvalidOperationException) && string.Equals(ex.Source, SshNetAssemblyName, StringComparison.Ordinal);

        public void Dispose()
        {
            try
            {
                Client.Dispose();
            }
            catch (Exception)
            {
                // Tearing down a half-open connection may throw from SSH.NET internals; nothing to do.
            }
        }
    }
}
