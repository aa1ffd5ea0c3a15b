using System;
using System.Diagnostics;
using System.IO;
using PfaAzureDevOps.TestServers;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.TestServers
{
    /// <summary>The emulator's <c>--key-file</c> that is missing or not a PEM RSA key: exit 2 and one line on stderr, not an unhandled exception (exit 134).</summary>
    [Trait(Lane.Name, Lane.Integration)]
    public sealed class EmulatorKeyFileTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "pfa-keyfile-" + Guid.NewGuid().ToString("N"));

        public EmulatorKeyFileTests()
        {
            Lane.RequireIntegration("the local Azure DevOps");
            Directory.CreateDirectory(_folder);
        }

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        [Theory]
        [InlineData("garbage")]
        [InlineData("missing")]
        public async System.Threading.Tasks.Task ABadKeyFileEndsWithOneLineAndExit2(string kind)
        {
            string keyFile = Path.Combine(_folder, "key.pem");
            if (kind == "garbage")
            {
                File.WriteAllText(keyFile, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
            }

            string dll = EmulatorBuild.EnsureBuilt(EmulatorBuild.FindRepositoryRoot(AppContext.BaseDirectory));
            var psi = new ProcessStartInfo(EmulatorBuild.DotnetPath()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { dll, "--data-dir", Path.Combine(_folder, "data"), "--key-file", keyFile })
            {
                psi.ArgumentList.Add(a);
            }

            using Process p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = await p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(60_000), "the emulator did not end");
            Assert.Equal(2, p.ExitCode);
            Assert.Equal(string.Empty, await stdout);
            string[] lines = stderr.TrimEnd('\n').Split('\n');
            Assert.Single(lines);
            Assert.StartsWith($"AzureDevOpsEmulator: --key-file '{keyFile}' is not a readable PEM RSA private key (", lines[0]);
            Assert.EndsWith("Give another file, or leave the option out to generate a key.", lines[0]);
        }
    }
}
