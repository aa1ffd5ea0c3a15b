using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>An unencrypted OpenSSH private key, loaded so that RSA keys sign only with SHA-2.</summary>
    internal sealed class SshPrivateKey : IDisposable
    {
        private static readonly string[] Sha1Algorithms = { "ssh-rsa", "ssh-rsa-cert-v01@openssh.com" };

        private readonly PrivateKeyFile _file;

        private SshPrivateKey(PrivateKeyFile file, Sha2OnlyKeySource source, bool isRsa)
        {
            _file = file;
            Source = source;
            IsRsa = isRsa;
        }

        /// <summary>What SSH.NET offers: this key only, with SHA-1 ssh-rsa removed.</summary>
        public IPrivateKeySource Source { get; }

        public bool IsRsa { get; }

        /// <summary>The signature algorithms offered, most preferred first (RSA: rsa-sha2-512, rsa-sha2-256).</summary>
        public IReadOnlyList<string> Algorithms => ((Sha2OnlyKeySource)Source).Names;

        public static SshPrivateKey Load(string privateKeyText)
        {
            if (privateKeyText == null || privateKeyText.Trim().Length == 0)
            {
                throw new PfaException(ErrorIds.SshPrivateKeyInvalid, PfaErrorKind.InvalidArgument, "No private key was given. Pass the OpenSSH private key text (it starts with '-----BEGIN OPENSSH PRIVATE KEY-----').", "PrivateKey");
            }

            PrivateKeyFile file;
            try
            {
                byte[] bytes = Encoding.UTF8.GetBytes(privateKeyText.Replace("\r\n", "\n").Trim() + "\n");
                using (var stream = new MemoryStream(bytes, writable: false))
                {
                    file = new PrivateKeyFile(stream);
                }
            }
            catch (SshPassPhraseNullOrEmptyException ex)
            {
                throw new PfaException(ErrorIds.SshPrivateKeyEncrypted, PfaErrorKind.InvalidArgument, "The private key is protected by a passphrase, which is not supported here. Use an unencrypted key kept in a secret store (for example 'ssh-keygen -p -N \"\" -f <file>' on a copy).", "PrivateKey", ex);
            }
            catch (Exception ex) when (ex is SshException || ex is FormatException || ex is ArgumentException || ex is NotSupportedException || ex is InvalidOperationException || ex is System.Security.Cryptography.CryptographicException || ex is IndexOutOfRangeException || ex is EndOfStreamException)
            {
                // The inner exception's message may echo parts of the input: keep only its type.
                throw new PfaException(ErrorIds.SshPrivateKeyInvalid, PfaErrorKind.InvalidArgument, "The private key could not be read (" + ex.GetType().Name + "). Pass an unencrypted OpenSSH private key, the text that starts with '-----BEGIN OPENSSH PRIVATE KEY-----', not the public key (.pub).", "PrivateKey");
            }

            var kept = new List<HostAlgorithm>();
            bool isRsa = false;
            foreach (string preferred in new[] { "rsa-sha2-512", "rsa-sha2-256" })
            {
                foreach (HostAlgorithm algorithm in file.HostKeyAlgorithms)
                {
                    if (algorithm.Name == preferred)
                    {
                        kept.Add(algorithm);
                        isRsa = true;
                    }
                }
            }

            foreach (HostAlgorithm algorithm in file.HostKeyAlgorithms)
            {
                if (algorithm.Name == "ssh-rsa")
                {
                    isRsa = true;
                }

                if (Array.IndexOf(Sha1Algorithms, algorithm.Name) < 0 && !kept.Contains(algorithm))
                {
                    kept.Add(algorithm);
                }
            }

            if (kept.Count == 0)
            {
                file.Dispose();
                throw new PfaException(ErrorIds.SshPrivateKeyUnsupported, PfaErrorKind.InvalidArgument, "The private key can only sign with SHA-1 ('ssh-rsa'), which is refused. Use an RSA key (signed with rsa-sha2-512/256) or an Ed25519 or ECDSA key.", "PrivateKey");
            }

            return new SshPrivateKey(file, new Sha2OnlyKeySource(kept), isRsa);
        }

        public void Dispose() => _file.Dispose();

        private sealed class Sha2OnlyKeySource : IPrivateKeySource
        {
            public Sha2OnlyKeySource(List<HostAlgorithm> algorithms)
            {
                HostKeyAlgorithms = algorithms.AsReadOnly();
                var names = new List<string>();
                foreach (HostAlgorithm algorithm in algorithms)
                {
                    names.Add(algorithm.Name);
                }

                Names = names.AsReadOnly();
            }

            public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }

            public IReadOnlyList<string> Names { get; }
        }
    }

    /// <summary>One SSH connection attempt: the client, the host key verdict, and the mapping of failures to error ids.</summary>
    internal sealed class SshConnector : IDisposable
    {
        private readonly GitSshUrl _url;
        private readonly HostKeyPolicy _policy;
        private readonly SshPrivateKey _key;

        public SshConnector(GitSshUrl url, SshPrivateKey key, HostKeyPolicy policy, TimeSpan timeout)
        {
            _url = url;
            _key = key;
            _policy = policy;
            var connectionInfo = new ConnectionInfo(url.Host, url.Port, url.User, new PrivateKeyAuthenticationMethod(url.User, key.Source))
            {
                Timeout = timeout,
                RetryAttempts = 1,
            };
            RestrictHostKeyAlgorithms(connectionInfo, policy.PreferredKeyTypes(url.Host, url.Port));
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
            Verdict = _policy.Verify(_url.Host, _url.Port, e.HostKey);
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
            new PfaException(
                ErrorIds.SshTimeout,
                PfaErrorKind.OperationTimeout,
                $"'{_url.Host}' port {_url.Port} did not complete the SSH exchange within {timeout.TotalSeconds:0.##} s. Check that the host and port serve SSH and that no firewall or proxy holds the connection, or allow more time with -Timeout.",
                _url.ToString());

        /// <summary>Maps an exception from SSH.NET (or the socket below) to a PfaException.</summary>
        public PfaException Map(Exception ex, TimeSpan timeout)
        {
            if (ex is PfaException pfa)
            {
                return pfa;
            }

            if (Verdict != null && !Verdict.IsTrusted)
            {
                return Verdict.ToException(_url.Host, _url.Port);
            }

            string where = $"'{_url.Host}' port {_url.Port}";
            if (ex is SshAuthenticationException)
            {
                string hint = _key.IsRsa
                    ? " If the key is registered, the server may accept only SHA-1 'ssh-rsa' signatures, which this module never uses (it signs with rsa-sha2-512 or rsa-sha2-256)."
                    : string.Empty;
                return new PfaException(
                    ErrorIds.SshKeyNotAuthorized,
                    PfaErrorKind.Authentication,
                    $"{where} refused the SSH key for user '{_url.User}'. The key is not registered for this user: add its public key (for Azure DevOps with Add-AzDevOpsSshKey), then try again.{hint}",
                    _url.ToString(),
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
                return new PfaException(
                    ErrorIds.SshHostUnreachable,
                    PfaErrorKind.ConnectionError,
                    $"Cannot reach {where}: {why}. Check the host name and port in the URL, DNS, and the network or firewall between this machine and the server.",
                    _url.ToString(),
                    ex);
            }

            if (ex is SshConnectionException || ex is SshException || ex is IOException || ex is ObjectDisposedException)
            {
                return new PfaException(
                    ErrorIds.SshConnectionFailed,
                    PfaErrorKind.ConnectionError,
                    $"The SSH connection to {where} failed: {ex.Message}. Check that the host and port serve SSH (not HTTPS or another protocol) and that the server allows modern algorithms.",
                    _url.ToString(),
                    ex);
            }

            return new PfaException(
                ErrorIds.SshConnectionFailed,
                PfaErrorKind.ConnectionError,
                $"The SSH connection to {where} failed unexpectedly ({ex.GetType().Name}: {ex.Message}).",
                _url.ToString(),
                ex);
        }

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
