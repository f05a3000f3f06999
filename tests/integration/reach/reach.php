<?php
// reach.php — PHP clients for the runtime tests (tests/integration/test_reach_php.py), and the
// router of the `php -S` server they start.
//
//   php reach.php curl URL                     curl extension (libcurl loaded RTLD_DEEPBIND)
//   php reach.php fgc URL                      file_get_contents (PHP's own streams)
//   php reach.php redis PORT                   phpredis: SET, DEL, GET, INCR
//   php reach.php mysqli PORT USER PASSWORD    mysqli (mysqlnd): a query, a prepared statement
//   php reach.php pdo PORT USER PASSWORD       PDO mysql: the same
//   php -S 127.0.0.1:PORT reach.php            router: answers "php" — or, with REACH_NEXT=URL in
//                                              its environment, "php>" + what curl gets from URL

function get_curl($url) {
    $c = curl_init($url);
    curl_setopt($c, CURLOPT_RETURNTRANSFER, 1);
    curl_setopt($c, CURLOPT_NOPROXY, "*");
    $body = curl_exec($c);
    $code = curl_getinfo($c, CURLINFO_RESPONSE_CODE);
    curl_close($c);
    return [$code, $body];
}

if (PHP_SAPI === "cli-server") {
    $next = getenv("REACH_NEXT");
    if ($next === false || $next === "") {
        echo "php";
    } else {
        [$code, $body] = get_curl($next);
        echo "php>" . $body;
    }
    return true;
}

$mode = $argv[1] ?? "";
switch ($mode) {
case "curl":
    [$code, $body] = get_curl($argv[2]);
    echo "$code $body\n";
    break;
case "fgc":
    echo file_get_contents($argv[2]), "\n";
    break;
case "redis":
    $r = new Redis();
    $r->connect("127.0.0.1", (int)$argv[2]);
    $r->set("reach:php", "v1");
    $r->del("reach:php:n");
    echo $r->get("reach:php"), "\n", $r->incr("reach:php:n"), "\n";
    $r->close();
    break;
case "mysqli":
    mysqli_report(MYSQLI_REPORT_OFF);
    $m = new mysqli("127.0.0.1", $argv[3], $argv[4], "test", (int)$argv[2]);
    foreach ($m->query("SELECT body FROM messages WHERE id = 1") as $row) echo $row["body"], "\n";
    $st = $m->prepare("SELECT body FROM messages WHERE id = ?");
    $id = 3;
    $st->bind_param("i", $id);
    $st->execute();
    $st->bind_result($body);
    while ($st->fetch()) echo $body, "\n";
    $m->close();
    break;
case "pdo":
    $p = new PDO("mysql:host=127.0.0.1;port={$argv[2]};dbname=test", $argv[3], $argv[4]);
    foreach ($p->query("SELECT body FROM messages WHERE id = 1") as $row) echo $row["body"], "\n";
    $st = $p->prepare("SELECT body FROM messages WHERE id = ?");
    $st->execute([3]);
    foreach ($st as $row) echo $row["body"], "\n";
    break;
default:
    fwrite(STDERR, "usage: reach.php curl|fgc URL | redis PORT | mysqli|pdo PORT USER PASSWORD\n");
    exit(2);
}
