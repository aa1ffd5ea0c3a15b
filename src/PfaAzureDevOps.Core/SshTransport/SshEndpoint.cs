using System;
using System.Globalization;

namespace PfaAzureDevOps.Core.SshTransport
{
    /// <summary>
    /// Where one SSH connection goes: host, port and user, and what errors name as their target (for git, the repository
    /// URL). Knows the SSH facts the transport needs about hosts: the default port and Azure DevOps' SSH host names.
    /// </summary>
    public sealed class SshEndpoint
    {
        public const int DefaultPort = 22;

        public SshEndpoint(string host, int port, string user, string target)
        {
            Host = host ?? throw new ArgumentNullException(nameof(host));
            Port = port;
            User = user ?? throw new ArgumentNullException(nameof(user));
            Target = target ?? throw new ArgumentNullException(nameof(target));
        }

        public string Host { get; }

        public int Port { get; }

        public string User { get; }

        /// <summary>What errors about this connection name as their target (the repository URL for git).</summary>
        public string Target { get; }

        /// <summary>The host as OpenSSH writes it in known_hosts: <c>host</c> on port 22, else <c>[host]:port</c>.</summary>
        public string KnownHostsName => KnownHostsNameOf(Host, Port);

        /// <summary>Whether <paramref name="host"/> is Azure DevOps' SSH endpoint (ssh.dev.azure.com or the legacy vs-ssh.visualstudio.com).</summary>
        public static bool IsAzureDevOpsHost(string host) =>
            string.Equals(host, "ssh.dev.azure.com", StringComparison.OrdinalIgnoreCase)
            || string.Equals(host, "vs-ssh.visualstudio.com", StringComparison.OrdinalIgnoreCase);

        internal static string KnownHostsNameOf(string host, int port) =>
            port == DefaultPort ? host : "[" + host + "]:" + port.ToString(CultureInfo.InvariantCulture);

        public override string ToString() => Target;
    }
}
