using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Rest;
using PfaAzureDevOps.Core.Rules;
using PfaAzureDevOps.Core.Storage;
using PfaAzureDevOps.Core.Tests.OAuth;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Storage
{
    /// <summary>The engine's input rules: one URL rule, files read and written safely, secret names, bounded answers.</summary>
    public sealed class InputRulesTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pfa-rules-" + Guid.NewGuid().ToString("N"));

        public InputRulesTests() => Directory.CreateDirectory(_root);

        public void Dispose() => Directory.Delete(_root, recursive: true);

        [Theory]
        [InlineData("https://dev.azure.com/contoso", true)]
        [InlineData("http://127.0.0.1:8080", true)]
        [InlineData("http://127.10.0.1:8080", true)]
        [InlineData("http://[::1]:8080/x", true)]
        [InlineData("http://localhost:8080", false)]
        [InlineData("http://dev.azure.com", false)]
        [InlineData("http://0x7f000001:8080", true)]
        [InlineData("https://user:secretpw@dev.azure.com", false)]
        [InlineData("ftp://dev.azure.com", false)]
        [InlineData("javascript:alert(1)", false)]
        [InlineData("file:///etc/passwd", false)]
        public void OneUrlRule(string url, bool accepted)
        {
            string? problem = UrlRules.Problem(new Uri(url), "server URL");
            Assert.Equal(accepted, problem is null);
            if (problem != null)
            {
                Assert.DoesNotContain("secretpw", problem);
            }
        }

        [Fact]
        public void RedactDropsUserInfoQueryAndFragment()
        {
            Assert.Equal("https://dev.azure.com/contoso", UrlRules.Redact(new Uri("https://me:secretpw@dev.azure.com/contoso?token=abc#f")));
        }

        [Fact]
        public async Task NoRequestLeavesForAUrlThatBreaksTheRule()
        {
            var handler = new ScriptedHandler().Then(HttpStatusCode.OK, "{}");
            var client = new AzureDevOpsRestClient(new HttpMessageInvoker(handler), Fakes.Options(new System.Collections.Generic.List<TimeSpan>()));
            PfaException error = await Assert.ThrowsAsync<PfaException>(() => client.GetAsync(new Uri("http://intranet.example/_apis/x"), "token", CancellationToken.None));
            Assert.Equal(ErrorIds.InsecureUrl, error.ErrorId);
            Assert.Empty(handler.Requests);
        }

        [Fact]
        public async Task AnAnswerLargerThanTheLimitIsNotRead()
        {
            var handler = new ScriptedHandler().Then(HttpStatusCode.OK, "{\"value\":\"" + new string('x', 5000) + "\"}");
            var options = Fakes.Options(new System.Collections.Generic.List<TimeSpan>());
            options.MaxResponseBytes = 1024;
            var client = new AzureDevOpsRestClient(new HttpMessageInvoker(handler), options);
            PfaException error = await Assert.ThrowsAsync<PfaException>(() => client.GetAsync(new Uri("https://dev.azure.com/contoso/_apis/x"), "token", CancellationToken.None));
            Assert.Equal("ResponseTooLarge", error.ErrorId);
            Assert.Single(handler.Requests);
        }

        [Theory]
        [InlineData("connection-access-0123abcd", true)]
        [InlineData("app-client-secret-x.y_z", true)]
        [InlineData("../../x", false)]
        [InlineData("a/b", false)]
        [InlineData("a\\b", false)]
        [InlineData("..", false)]
        [InlineData(".hidden", false)]
        [InlineData("", false)]
        public void SecretNamesStayInsideTheStore(string name, bool valid)
        {
            Assert.Equal(valid, SecretVault.IsValidName(name));
        }

        [Fact]
        [Trait(Lane.Name, Lane.Integration)]
        public void FileKindsAndAFifoNeverHangs()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            string file = Path.Combine(_root, "file");
            File.WriteAllText(file, "x");
            string fifo = Path.Combine(_root, "fifo");
            Lane.RequireIntegration("mkfifo");
            using (Process mkfifo = Process.Start("mkfifo", fifo))
            {
                mkfifo.WaitForExit();
            }

            Assert.Equal(FileKind.Regular, FileRules.GetKind(file));
            Assert.Equal(FileKind.Directory, FileRules.GetKind(_root));
            Assert.Equal(FileKind.Missing, FileRules.GetKind(Path.Combine(_root, "none")));
            Assert.Equal(FileKind.Special, FileRules.GetKind(fifo));
            Assert.Equal(FileKind.Special, FileRules.GetKind("/dev/null"));
            var watch = Stopwatch.StartNew();
            Assert.Equal(ErrorIds.NotARegularFile, Assert.Throws<PfaException>(() => FileRules.ReadBounded(fifo, 1024, "test file", "Missing")).ErrorId);
            Assert.Equal(ErrorIds.NotARegularFile, Assert.Throws<PfaException>(() => FileRules.RequireReplaceable(fifo, "test file")).ErrorId);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
            Assert.Equal(ErrorIds.FileTooLarge, Assert.Throws<PfaException>(() => FileRules.ReadBounded(file, 0, "test file", "Missing")).ErrorId);
        }
    }
}
