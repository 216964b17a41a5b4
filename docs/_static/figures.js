// Every picture in a page's text becomes a link to the full-size image, which opens in a new
// tab: a figure shrunk to the column can be read at its own size with one click. Pictures that
// already sit inside a link are left alone.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("article img").forEach(function (img) {
    if (img.closest("a")) {
      return;
    }
    var link = document.createElement("a");
    link.href = img.getAttribute("src");
    link.target = "_blank";
    link.rel = "noopener";
    link.className = "figure-full-size";
    link.title = "Open the full-size image";
    img.parentNode.insertBefore(link, img);
    link.appendChild(img);
  });
});
